/** Datasets made on the fly for tests and benchmarks: distinct small images plus a captions.jsonl. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';

const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'];

/**
 * Writes n distinct JPEGs (a coloured square on a background, each with a unique noise pattern so the
 * content hashes differ) and a captions.jsonl naming them. Returns the manifest path.
 */
export async function writeGeneratedDataset(
  dir: string,
  n: number,
  options: { size?: number; width?: number; height?: number; startAt?: number; manifestName?: string } = {},
): Promise<string> {
  const { size = 96, startAt = 0, manifestName = 'captions.jsonl' } = options;
  const width = options.width ?? size;
  const height = options.height ?? size;
  mkdirSync(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  // Noise is drawn at most 96 px wide and scaled up: unique content per image without a slow pixel loop.
  const noiseW = Math.min(width, 96);
  const noiseH = Math.max(1, Math.round((height * noiseW) / width));
  for (let i = startAt; i < startAt + n; i++) {
    const pixels = Buffer.alloc(noiseW * noiseH * 3);
    // Math.imul keeps the generator in exact 32-bit arithmetic: with plain float products the low bits
    // were lost, and past image 4,244 the noise repeated (20,000 images had only 9,448 distinct contents).
    let seed = Math.imul(i + 1, 2654435761) >>> 0;
    for (let p = 0; p < pixels.length; p++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      pixels[p] = 100 + ((seed >>> 24) % 56);
    }
    const color = COLORS[i % COLORS.length];
    const square = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${width / 4}" y="${height / 4}" width="${width / 2}" height="${height / 2}" fill="${color}"/></svg>`,
    );
    const file = `images/gen_${String(i).padStart(6, '0')}.jpg`;
    await sharp(pixels, { raw: { width: noiseW, height: noiseH, channels: 3 } })
      .resize(width, height, { kernel: 'nearest' })
      .composite([{ input: square }])
      .jpeg({ quality: 85 })
      .toFile(join(dir, file));
    lines.push(JSON.stringify({ file, captions: [`a ${color} square on a gray background`] }));
  }
  const manifest = join(dir, manifestName);
  writeFileSync(manifest, lines.join('\n') + '\n');
  return manifest;
}

/**
 * A valid PNG whose header claims width×height but whose pixel data is one tiny row: decoders that check
 * the pixel limit refuse it from the header alone, so the test needs no gigabytes.
 */
export function pngWithHugeHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
