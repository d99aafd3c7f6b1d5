/**
 * Decoding images for the experts: one place that turns any file sharp reads into upright 8-bit sRGB
 * pixels, so every expert sees the same pixels and box coordinates agree across stages.
 *
 * What holds for a DecodedImage: EXIF orientation applied (coordinates are those of the upright image),
 * CMYK / grayscale / 16-bit / palette inputs converted to 8-bit sRGB, alpha flattened onto white,
 * `data.length === width * height * 3`.
 */
import sharp from 'sharp';
import { StageInputError } from './errors.ts';

export interface DecodedImage {
  data: Buffer; // RGB, 8 bits per channel, row-major, no padding
  width: number;
  height: number;
  channels: 3;
}

/** 100 megapixels: a 10000×10000 photo decodes (300 MB of RGB); a 20000×20000 one is refused. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodeOptions {
  maxPixels?: number;
  /** Fit inside this box (keeping aspect) after orientation; the result's width/height are the resized ones. */
  maxSide?: number;
}

/** Decodes a file or buffer; throws StageInputError (code names the problem) for anything unreadable. */
export async function decodeImage(input: string | Buffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .rotate() // applies EXIF orientation
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' });
    if (options.maxSide) {
      pipeline = pipeline.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
    }
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data, width: info.width, height: info.height, channels: 3 };
  } catch (error) {
    throw toImageError(error);
  }
}

/** Maps sharp/libvips messages onto stable error codes that end up in stage_results.error_code. */
export function toImageError(error: unknown): StageInputError {
  if (error instanceof StageInputError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return new StageInputError(`image too large: ${message}`, 'image_too_large');
  if (/unsupported image format|Input file contains unsupported/i.test(message))
    return new StageInputError(`not a supported image: ${message}`, 'unsupported_format');
  if (/Input file is missing|ENOENT|no such file/i.test(message))
    return new StageInputError(`image file missing: ${message}`, 'missing_file');
  if (/empty|zero/i.test(message) && /input|file|buffer/i.test(message))
    return new StageInputError(`empty image file: ${message}`, 'empty_file');
  return new StageInputError(`corrupt or unreadable image: ${message}`, 'corrupt_image');
}
