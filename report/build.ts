/**
 * Prepares a ReportData for rendering: small JPEG thumbnails (EXIF-upright, like every stage's pixels)
 * embedded as data: URLs, so the report is one file. Images that cannot be read keep no thumbnail and
 * the card says so; the report is still written.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { renderReport } from './html.ts';
import type { GalleryItem, ReportData, Thumbnail } from './types.ts';

export interface ThumbnailOptions {
  /** Longest side of a thumbnail in pixels. */
  maxSide?: number;
  quality?: number;
}

export async function makeThumbnail(imagePath: string, options: ThumbnailOptions = {}): Promise<Thumbnail> {
  const side = options.maxSide ?? 240;
  const { data, info } = await sharp(imagePath)
    .rotate()
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: options.quality ?? 78, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  return { dataUrl: `data:image/jpeg;base64,${data.toString('base64')}`, width: info.width, height: info.height };
}

export async function prepareReport(data: ReportData, options: ThumbnailOptions = {}): Promise<ReportData> {
  const gallery: GalleryItem[] = [];
  for (const item of data.gallery) {
    if (item.thumbnail) {
      gallery.push(item);
      continue;
    }
    try {
      gallery.push({ ...item, thumbnail: await makeThumbnail(item.imagePath, options) });
    } catch {
      gallery.push(item); // unreadable image: rendered as "no thumbnail"
    }
  }
  return { ...data, gallery };
}

/** Thumbnails + render + write; returns the HTML. */
export async function writeReport(data: ReportData, outFile: string, options: ThumbnailOptions = {}): Promise<string> {
  const html = renderReport(await prepareReport(data, options));
  await writeFile(outFile, html, 'utf8');
  return html;
}
