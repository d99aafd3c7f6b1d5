/**
 * Reads a dataset's caption manifest into entries {file, captions, split}. Three formats:
 * - JSONL (`captions.jsonl`): `{"file": "images/a.jpg", "captions": ["..."]}` or `"caption": "..."` per line;
 * - CSV with a header naming a file column (file | image | filename | path) and a caption column (caption | text);
 * - COCO captions JSON: `{images: [{id, file_name}], annotations: [{image_id, caption}]}`, or Karpathy's
 *   `{images: [{filepath?, filename, split, sentences: [{raw}]}]}`.
 * A file that cannot be read as its format at all throws ManifestError (nothing runs); a bad line or entry
 * becomes an issue recorded per item and the rest goes on.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';

export interface ManifestEntry {
  /** Where it came from, for messages: "captions.jsonl:17", "annotations[3]". */
  location: string;
  file: string;
  captions: string[];
  split?: string;
}

export interface ManifestIssue {
  location: string;
  file?: string;
  code:
    | 'bad_line'
    | 'invalid_utf8'
    | 'empty_caption'
    | 'missing_field'
    | 'path_escapes_root'
    | 'missing_file'
    | 'duplicate_image'
    | 'not_a_file';
  message: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export type ManifestFormat = 'jsonl' | 'csv' | 'coco';

export function detectFormat(path: string): ManifestFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'coco';
  throw new ManifestError(`cannot tell the manifest format of ${path}: expected one of .jsonl, .csv, .json (COCO captions)`);
}

const REPLACEMENT = '\uFFFD';

export function readManifest(
  path: string,
  format: ManifestFormat = detectFormat(path),
): { entries: ManifestEntry[]; issues: ManifestIssue[] } {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new ManifestError(`manifest ${path} is not a file`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(`cannot read manifest ${path}: ${(error as Error).message}`);
  }
  // Decoding with replacement keeps the valid lines; a caption holding U+FFFD is reported as invalid UTF-8.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const name = path.split('/').pop() ?? path;
  const result = format === 'jsonl' ? parseJsonl(text, name) : format === 'csv' ? parseCsv(text, name) : parseCoco(text, name);
  return cleanCaptions(result);
}

function cleanCaptions({ entries, issues }: { entries: ManifestEntry[]; issues: ManifestIssue[] }) {
  for (const entry of entries) {
    const kept: string[] = [];
    entry.captions.forEach((caption, i) => {
      const where = `${entry.location} caption ${i}`;
      if (typeof caption !== 'string') {
        issues.push({
          location: where,
          file: entry.file,
          code: 'bad_line',
          message: `caption is not a string: ${JSON.stringify(caption)}`,
        });
      } else if (caption.includes(REPLACEMENT)) {
        issues.push({ location: where, file: entry.file, code: 'invalid_utf8', message: 'caption is not valid UTF-8; dropped' });
      } else if (caption.trim() === '') {
        issues.push({ location: where, file: entry.file, code: 'empty_caption', message: 'caption is empty; dropped' });
      } else {
        kept.push(caption.trim().replace(/\s+/g, ' '));
      }
    });
    entry.captions = kept;
  }
  return { entries, issues };
}

function parseJsonl(text: string, name: string) {
  const entries: ManifestEntry[] = [];
  const issues: ManifestIssue[] = [];
  text.split('\n').forEach((line, i) => {
    const location = `${name}:${i + 1}`;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      issues.push({
        location,
        code: line.includes(REPLACEMENT) ? 'invalid_utf8' : 'bad_line',
        message: `not JSON: ${(error as Error).message}`,
      });
      return;
    }
    const record = value as { file?: unknown; image?: unknown; captions?: unknown; caption?: unknown; split?: unknown };
    const file = record.file ?? record.image;
    if (typeof file !== 'string' || file === '') {
      issues.push({ location, code: 'missing_field', message: 'line has no "file" string' });
      return;
    }
    const captions = Array.isArray(record.captions) ? record.captions : record.caption !== undefined ? [record.caption] : [];
    entries.push({ location, file, captions: captions as string[], split: typeof record.split === 'string' ? record.split : undefined });
  });
  return { entries, issues };
}

/** RFC 4180 fields: quotes, doubled quotes inside quotes, commas and newlines inside quotes. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new ManifestError('CSV ends inside a quoted field');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

function parseCsv(text: string, name: string) {
  const rows = parseCsvRows(text);
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const fileCol = header.findIndex((h) => ['file', 'image', 'filename', 'path'].includes(h));
  const captionCol = header.findIndex((h) => ['caption', 'text'].includes(h));
  const splitCol = header.indexOf('split');
  if (fileCol < 0 || captionCol < 0) {
    throw new ManifestError(
      `${name}: CSV header must name a file column (file, image, filename or path) and a caption column (caption or text); got: ${header.join(', ') || '(empty)'}`,
    );
  }
  // Several rows may name the same file (one caption per row, as in COCO): they become one entry.
  const byFile = new Map<string, ManifestEntry>();
  const issues: ManifestIssue[] = [];
  rows.forEach((cells, i) => {
    const location = `${name}:${i + 2}`;
    const file = cells[fileCol]?.trim();
    if (!file) {
      issues.push({ location, code: 'missing_field', message: 'row has no file' });
      return;
    }
    const entry = byFile.get(file) ?? { location, file, captions: [], split: splitCol >= 0 ? cells[splitCol] : undefined };
    entry.captions.push(cells[captionCol] ?? '');
    byFile.set(file, entry);
  });
  return { entries: [...byFile.values()], issues };
}

function parseCoco(text: string, name: string) {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${name}: malformed COCO captions JSON: ${(error as Error).message}`);
  }
  const images = (doc as { images?: unknown }).images;
  if (!Array.isArray(images)) throw new ManifestError(`${name}: COCO captions JSON must have an "images" array`);
  const issues: ManifestIssue[] = [];
  const entries: ManifestEntry[] = [];
  const annotations = (doc as { annotations?: unknown }).annotations;
  if (Array.isArray(annotations)) {
    // Official COCO layout: captions live in annotations keyed by image_id.
    const byId = new Map<unknown, ManifestEntry>();
    images.forEach((img: { id?: unknown; file_name?: unknown }, i) => {
      const location = `${name}:images[${i}]`;
      if (typeof img?.file_name !== 'string' || img.id === undefined) {
        issues.push({ location, code: 'missing_field', message: 'image needs "id" and "file_name"' });
        return;
      }
      const entry = { location, file: img.file_name, captions: [] as string[] };
      byId.set(img.id, entry);
      entries.push(entry);
    });
    annotations.forEach((a: { image_id?: unknown; caption?: unknown }, i) => {
      const entry = byId.get(a?.image_id);
      if (!entry) {
        issues.push({
          location: `${name}:annotations[${i}]`,
          code: 'missing_field',
          message: `annotation names unknown image_id ${JSON.stringify(a?.image_id)}`,
        });
        return;
      }
      entry.captions.push(a.caption as string);
    });
    return { entries, issues };
  }
  // Karpathy layout: sentences inside each image, with a split.
  images.forEach((img: { filename?: unknown; filepath?: unknown; split?: unknown; sentences?: unknown }, i) => {
    const location = `${name}:images[${i}]`;
    if (typeof img?.filename !== 'string') {
      issues.push({ location, code: 'missing_field', message: 'image needs "filename"' });
      return;
    }
    const file = typeof img.filepath === 'string' && img.filepath ? `${img.filepath}/${img.filename}` : img.filename;
    const sentences = Array.isArray(img.sentences) ? img.sentences : [];
    entries.push({
      location,
      file,
      split: typeof img.split === 'string' ? img.split : undefined,
      captions: sentences.map((s: { raw?: unknown }) => s?.raw as string),
    });
  });
  return { entries, issues };
}
