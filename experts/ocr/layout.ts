/**
 * From recognised text boxes to OcrOutput: words located inside each box, boxes on one row joined into
 * lines, lines put in reading order.
 *
 * Words: a DB box is usually a whole line (or a run of words); its text is split on spaces and each word's
 * box comes from the CTC frames its characters were emitted at — frame t covers tensor columns
 * [t·s, (t+1)·s) with s = tensor width / frames — widened by half the mean character pitch on both
 * sides, then mapped back along the rotated box into upright-image pixels (axis-aligned bounds).
 *
 * Lines: boxes are joined when they overlap vertically by at least half the smaller height, their heights
 * differ by less than 2×, and the horizontal gap is at most 1.5 × the taller height; a box read
 * vertically (rotated text) is a line of its own. Reading order: rows top to bottom (a line joins a row
 * when its vertical centre lies inside the row's first line), each row left to right.
 */
import type { Box, OcrLine, OcrOutput, OcrWord } from '../types.ts';
import { boundingBox, unionBox, type RotatedRect } from './geometry.ts';
import type { DecodedText } from './ctc.ts';

export interface RecognisedBox {
  /** The box in reading orientation (after the 90° rule and the angle classifier), image pixels. */
  rect: RotatedRect;
  decoded: DecodedText;
  /** Tensor columns per CTC frame, and the width the crop was drawn at inside the tensor. */
  columnsPerFrame: number;
  drawnWidth: number;
}

export interface Segment {
  text: string;
  confidence: number;
  box: Box;
  words: OcrWord[];
  /** Read top to bottom or bottom to top (a rotated label, a book spine): never joined into a row. */
  vertical?: boolean;
}

/** Splits one recognised box into words with boxes; null when it holds no text. */
export function toSegment(item: RecognisedBox, imageWidth: number, imageHeight: number): Segment | null {
  const { decoded, rect, columnsPerFrame, drawnWidth } = item;
  const groups: (typeof decoded.chars)[] = [];
  let current: typeof decoded.chars = [];
  for (const c of decoded.chars) {
    if (c.char.trim() === '') {
      if (current.length) groups.push(current);
      current = [];
    } else current.push(c);
  }
  if (current.length) groups.push(current);
  if (groups.length === 0) return null;
  const nonSpace = decoded.chars.filter((c) => c.char.trim() !== '');
  const span = nonSpace.length > 1 ? nonSpace.at(-1)!.frame - nonSpace[0].frame : 0;
  const pitch = (nonSpace.length > 1 ? span / (nonSpace.length - 1) : 2) * columnsPerFrame;
  const words: OcrWord[] = groups.map((chars) => {
    const start = Math.max(0, (chars[0].frame + 0.5) * columnsPerFrame - pitch / 2);
    const end = Math.min(drawnWidth, (chars.at(-1)!.frame + 0.5) * columnsPerFrame + pitch / 2);
    const sub = slice(rect, start / drawnWidth, Math.max(start, end) / drawnWidth);
    return {
      text: chars.map((c) => c.char).join(''),
      confidence: round3(chars.reduce((s, c) => s + c.probability, 0) / chars.length),
      box: boundingBox(sub, imageWidth, imageHeight),
    };
  });
  return {
    text: words.map((w) => w.text).join(' '),
    confidence: mean(words.map((w) => w.confidence)),
    box: boundingBox(rect, imageWidth, imageHeight),
    words,
    vertical: Math.abs(rect.u.y) > Math.abs(rect.u.x),
  };
}

/** The part of a rectangle between fractions f0 and f1 of its width (along u). */
function slice(rect: RotatedRect, f0: number, f1: number): RotatedRect {
  const mid = ((f0 + f1) / 2 - 0.5) * rect.width;
  return {
    ...rect,
    center: { x: rect.center.x + mid * rect.u.x, y: rect.center.y + mid * rect.u.y },
    width: (f1 - f0) * rect.width,
  };
}

/** Joins segments into lines and orders them; keeps the `maxLines` tallest lines (the most salient text). */
export function toOutput(segments: readonly Segment[], maxLines: number): OcrOutput {
  const lines = orderLines(groupLines(segments).map(toLine));
  if (lines.length <= maxLines) return { lines };
  const keep = new Set(
    lines
      .map((line, i) => ({ i, h: line.box.height }))
      .sort((a, b) => b.h - a.h || a.i - b.i)
      .slice(0, maxLines)
      .map((e) => e.i),
  );
  return { lines: lines.filter((_, i) => keep.has(i)) };
}

function groupLines(segments: readonly Segment[]): Segment[][] {
  const sorted = segments.slice().sort((a, b) => a.box.x - b.box.x);
  const lines: { segments: Segment[]; box: Box }[] = [];
  for (const s of sorted) {
    // Side-by-side columns of vertical text overlap "vertically" as axis-aligned boxes, yet each is its
    // own line: joining them reads across the columns ("Product of Italy Crisp Almond Cookies PAN DUCALE").
    const line = s.vertical
      ? undefined
      : lines.find((l) => {
          if (l.segments[0]!.vertical) return false;
          const last = l.segments.at(-1)!.box;
          const overlap = Math.min(last.y + last.height, s.box.y + s.box.height) - Math.max(last.y, s.box.y);
          const minH = Math.min(last.height, s.box.height);
          const maxH = Math.max(last.height, s.box.height);
          const gap = s.box.x - (last.x + last.width);
          return overlap >= 0.5 * minH && maxH < 2 * minH && gap <= 1.5 * maxH && gap > -0.5 * minH;
        });
    if (line) {
      line.segments.push(s);
      line.box = unionBox([line.box, s.box]);
    } else lines.push({ segments: [s], box: s.box });
  }
  return lines.map((l) => l.segments);
}

function toLine(segments: Segment[]): OcrLine {
  const words = segments.flatMap((s) => s.words);
  return {
    text: words.map((w) => w.text).join(' '),
    confidence: mean(words.map((w) => w.confidence)),
    box: unionBox(segments.map((s) => s.box)),
    words,
  };
}

/** Rows top to bottom, left to right inside a row. Exported for the tesseract backend. */
export function orderLines(lines: OcrLine[]): OcrLine[] {
  const byTop = lines.slice().sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  const rows: OcrLine[][] = [];
  for (const line of byTop) {
    const centre = line.box.y + line.box.height / 2;
    const row = rows.find((r) => centre >= r[0].box.y && centre <= r[0].box.y + r[0].box.height);
    if (row) row.push(line);
    else rows.push([line]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box.x - b.box.x));
}

function mean(values: readonly number[]): number {
  return values.length ? round3(values.reduce((s, v) => s + v, 0) / values.length) : 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
