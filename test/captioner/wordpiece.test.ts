/**
 * The Node WordPiece tokenizer must give the trainer's ids for prompts and the trainer's text for
 * generated ids; checked against `tokenizers` itself on a tokenizer trained from the sample captions.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TRAINER_PACKAGE_ROOT } from '../../captioner/train-process.ts';
import { WordPieceTokenizer } from '../../captioner/wordpiece.ts';
import { PYTHON, SAMPLE_DIR } from '../trainer/fixture.ts';

const TEXTS = [
  'a picture of ',
  'A Dog on a wooden PORCH, next to a bicycle!',
  'Café crème — naïve façade',
  "the man's horse isn't here?",
  'STOP sign at 5th street; 42 cars',
  'unseenword zebra-crossing   with\ttabs\nand newlines',
  '東京 tower',
  '',
];

const SCRIPT = `
import json, sys
from fusecap_trainer.tokenizer import train_tokenizer
captions = [c for line in open(sys.argv[1]) if line.strip() for c in json.loads(line)["captions"]]
tok = train_tokenizer(captions + ["a picture of "], 1000)
tok.save(__import__("pathlib").Path(sys.argv[2]))
texts = json.loads(sys.argv[3])
encoded = [tok.wordpieces(t) for t in texts]
print(json.dumps({"encoded": encoded, "decoded": [tok.decode(ids) for ids in encoded],
                  "decoded_raw": [tok.decode(list(range(7, 60)))], "specials": tok.special_token_ids()}))
`;

test('encode and decode agree with the trainer (HF tokenizers) id for id, character for character', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fusecap-wordpiece-'));
  try {
    const out = execFileSync(PYTHON, ['-c', SCRIPT, path.join(SAMPLE_DIR, 'captions.jsonl'), dir, JSON.stringify(TEXTS)], {
      env: { ...process.env, PYTHONPATH: TRAINER_PACKAGE_ROOT },
      encoding: 'utf8',
    });
    const expected = JSON.parse(out) as { encoded: number[][]; decoded: string[]; decoded_raw: string[]; specials: Record<string, number> };
    const tokenizer = await WordPieceTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    TEXTS.forEach((text, i) => assert.deepEqual(tokenizer.encode(text), expected.encoded[i], `encode ${JSON.stringify(text)}`));
    expected.encoded.forEach((ids, i) => assert.equal(tokenizer.decode(ids), expected.decoded[i], `decode of ${JSON.stringify(TEXTS[i])}`));
    assert.equal(tokenizer.decode(Array.from({ length: 53 }, (_, i) => i + 7)), expected.decoded_raw[0]);
    // Special tokens are dropped from decoded text.
    assert.equal(tokenizer.decode([expected.specials.bos, ...expected.encoded[1], expected.specials.sep]), expected.decoded[1]);
    assert.equal(tokenizer.tokenId('[DEC]'), expected.specials.bos);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
