/**
 * probe: decode every image once with sharp to prove it is readable, and record its format and upright
 * size. Everything later trusts these numbers (box coordinates are in upright pixels).
 */
import { stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { DEFAULT_MAX_PIXELS, toImageError } from '../lib/image.ts';
import { StageInputError } from '../lib/errors.ts';
import type { StageImpl } from './types.ts';

export interface ProbeOutput {
  format: string;
  width: number; // upright (EXIF orientation applied)
  height: number;
  orientation: number; // EXIF orientation, 1 when absent
  channels: number;
  space: string; // colour space as sharp reports it: srgb, cmyk, b-w, rgb16, grey16, ...
  depth: string; // uchar, ushort, ...
  hasAlpha: boolean;
  bytes: number;
}

const VERSION = '1';

export const probeStage: StageImpl<ProbeOutput> = {
  name: 'probe',
  imageFacts: (output) => ({ format: output.format, width: output.width, height: output.height }),
  describe: () => ({ model: { id: `sharp/${sharp.versions.sharp}`, version: VERSION }, params: { maxPixels: DEFAULT_MAX_PIXELS } }),
  async run({ image }) {
    const size = await stat(image.path).then(
      (s) => s.size,
      (error: Error) => {
        throw new StageInputError(`image file missing: ${error.message}`, 'missing_file');
      },
    );
    // libvips calls an empty file an "unsupported format"; the plain fact is more useful.
    if (size === 0) throw new StageInputError('image file is empty (0 bytes)', 'empty_file');
    let meta: Metadata;
    try {
      meta = await sharp(image.path, { limitInputPixels: false }).metadata();
    } catch (error) {
      throw toImageError(error);
    }
    if (!meta.width || !meta.height || !meta.format) throw new StageInputError('image has no size or format', 'corrupt_image');
    if (meta.width * meta.height > DEFAULT_MAX_PIXELS) {
      throw new StageInputError(
        `image too large: ${meta.width}×${meta.height} = ${((meta.width * meta.height) / 1e6).toFixed(0)} MP exceeds the ${DEFAULT_MAX_PIXELS / 1e6} MP limit`,
        'image_too_large',
      );
    }
    try {
      // A full decode with failOn 'truncated' catches files whose header is fine but whose data is cut off.
      await sharp(image.path, { limitInputPixels: DEFAULT_MAX_PIXELS, failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: false });
    } catch (error) {
      throw toImageError(error);
    }
    const orientation = meta.orientation ?? 1;
    const swapped = orientation >= 5 && orientation <= 8;
    return {
      format: meta.format,
      width: swapped ? meta.height : meta.width,
      height: swapped ? meta.width : meta.height,
      orientation,
      channels: meta.channels ?? 0,
      space: meta.space ?? 'unknown',
      depth: meta.depth ?? 'unknown',
      hasAlpha: Boolean(meta.hasAlpha),
      bytes: meta.size ?? 0,
    };
  },
};
