/**
 * tesseract.js (LSTM, English) as the second OCR backend, same OcrOutput shape as paddle.
 *
 * Offline: the traineddata comes from the npm package @tesseract.js-data/eng (langPath = its 4.0.0
 * folder, gzipped), nothing is cached to disk (cacheMethod 'none'), and the worker script and wasm core
 * come from tesseract.js itself. One worker per process, shared and reference-counted.
 */
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { DecodedImage } from '../../lib/image.ts';
import type { Box, ModelRef, OcrLine, OcrOutput, OcrWord } from '../types.ts';
import { orderLines } from './layout.ts';
import { TESSERACT_MODEL } from './model-ref.ts';
import { assertDecodedImage, type OcrEngine, type OcrOptions } from './types.ts';

const DATA_PACKAGE = '@tesseract.js-data/eng';

interface Shared {
  worker: Promise<Worker>;
  users: number;
  /** tesseract.js workers handle one job at a time; reads queue behind each other. */
  queue: Promise<unknown>;
}

let shared: Shared | null = null;

function englishLangPath(): string {
  const require = createRequire(import.meta.url);
  try {
    const data = require(DATA_PACKAGE) as { langPath: string };
    return data.langPath;
  } catch (error) {
    throw new Error(
      `tesseract English model not found: npm package ${DATA_PACKAGE} is not installed (npm install ${DATA_PACKAGE}); ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function startWorker(): Promise<Worker> {
  const langPath = englishLangPath();
  try {
    const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
    // Whole-image layout analysis: captions need every block of text, not a single line.
    // user_defined_dpi: our PNGs carry no resolution, and tesseract would warn and guess per image.
    await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO, user_defined_dpi: '300' });
    return worker;
  } catch (error) {
    throw new Error(
      `tesseract could not load ${langPath}/eng.traineddata.gz (npm package ${DATA_PACKAGE}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

export class TesseractOcr implements OcrEngine {
  readonly model: ModelRef = TESSERACT_MODEL;
  private disposed = false;

  private constructor(
    private readonly minConfidence: number,
    private readonly maxLines: number,
  ) {}

  static async create(options: OcrOptions): Promise<TesseractOcr> {
    if (!shared) {
      const worker = startWorker();
      shared = { worker, users: 0, queue: Promise.resolve() };
      worker.catch(() => {
        shared = null;
      });
    }
    shared.users++;
    await shared.worker;
    return new TesseractOcr(options.minConfidence ?? 0.6, options.maxLines ?? 20);
  }

  async read(image: DecodedImage): Promise<OcrOutput> {
    assertDecodedImage(image);
    if (this.disposed || !shared) throw new Error('tesseract OCR engine used after dispose()');
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const worker = await shared.worker;
    const job = shared.queue.then(() => worker.recognize(png, {}, { blocks: true, text: false }));
    shared.queue = job.catch(() => undefined);
    const { data } = await job;
    const lines: OcrLine[] = [];
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          const words: OcrWord[] = line.words
            .map((w) => ({ text: w.text.trim(), confidence: round3(w.confidence / 100), box: toBox(w.bbox) }))
            .filter((w) => w.text !== '' && w.confidence >= this.minConfidence);
          if (words.length === 0) continue;
          lines.push({
            text: words.map((w) => w.text).join(' '),
            confidence: round3(words.reduce((s, w) => s + w.confidence, 0) / words.length),
            box: toBox(line.bbox),
            words,
          });
        }
      }
    }
    const ordered = orderLines(lines);
    if (ordered.length <= this.maxLines) return { lines: ordered };
    const keep = new Set(
      ordered
        .map((l, i) => ({ i, h: l.box.height }))
        .sort((a, b) => b.h - a.h || a.i - b.i)
        .slice(0, this.maxLines)
        .map((e) => e.i),
    );
    return { lines: ordered.filter((_, i) => keep.has(i)) };
  }

  async dispose(): Promise<void> {
    if (this.disposed || !shared) return;
    this.disposed = true;
    shared.users--;
    if (shared.users > 0) return;
    const { worker } = shared;
    shared = null;
    await (await worker).terminate();
  }
}

/** tesseract bboxes are inclusive-exclusive pixel corners of the image it was given (our upright pixels). */
function toBox(b: { x0: number; y0: number; x1: number; y1: number }): Box {
  return { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
