/**
 * Where in the frame a caption puts an object ("two horses on the left", "a clock at the top right",
 * "a dog in the center of the image"), and whether the annotated boxes agree.
 *
 * Only frame positions are claims here. A phrase that places one thing against another ("to the left of
 * the man", "in the middle of the road", "at the top of the hill") or in depth ("in the background") is
 * not read: the truth has nothing to judge it by.
 *
 * A claim is wrong when the object is plainly elsewhere: "left" needs a box centre in the left half,
 * "top" in the top half, "center" in the middle half of both axes. Halves rather than the thirds the
 * attribute expert names positions by, because a detector's box and an annotator's box of the same
 * object differ by some pixels and a claim is judged on the object, not on the box.
 */
import type { Token } from './text.ts';

export type Horizontal = 'left' | 'right';
export type Vertical = 'top' | 'bottom';

export interface FramePlace {
  horizontal: Horizontal | null;
  vertical: Vertical | null;
  /** "in the center / middle": neither side. */
  center: boolean;
}

/** A box centre in [0, 1] × [0, 1] of the frame. */
export interface Centre {
  x: number;
  y: number;
}

const HORIZONTAL: Record<string, Horizontal> = { left: 'left', right: 'right' };
const VERTICAL: Record<string, Vertical> = { top: 'top', upper: 'top', bottom: 'bottom', lower: 'bottom' };
const CENTER = new Set(['center', 'centre', 'middle']);
/** Nouns after "of" that make the phrase about the frame: "on the left of the image". */
const FRAME_NOUNS = new Set(['image', 'frame', 'photo', 'photograph', 'picture', 'scene', 'shot', 'view']);
/** Nouns a side word may stand before without changing the place: "on the left side", "in the top right corner". */
const PLACE_NOUNS = new Set(['side', 'corner', 'edge', 'half', 'part', 'hand']);

export interface PlaceMatch {
  place: FramePlace;
  /** Tokens the phrase spans. */
  length: number;
}

/**
 * A frame-position phrase starting at token i, or undefined: "on|at|in|to the" + side words (+ "side" /
 * "corner"…) (+ "of the image"). Followed by "of" + anything else, it is relative and not read.
 */
export function matchPlace(tokens: readonly Token[], i: number): PlaceMatch | undefined {
  const prep = tokens[i]?.text;
  if (prep !== 'on' && prep !== 'at' && prep !== 'in' && prep !== 'to') return undefined;
  if (tokens[i + 1]?.text !== 'the') return undefined;
  let j = i + 2;
  let horizontal: Horizontal | null = null;
  let vertical: Vertical | null = null;
  let center = false;
  while (j < tokens.length && !tokens[j]!.punct) {
    const w = tokens[j]!.text;
    if (Object.hasOwn(VERTICAL, w) && vertical === null && horizontal === null && !center) vertical = VERTICAL[w]!;
    else if (Object.hasOwn(HORIZONTAL, w) && horizontal === null) horizontal = HORIZONTAL[w]!;
    else if (CENTER.has(w) && !center && horizontal === null && vertical === null) center = true;
    else break;
    j++;
  }
  if (horizontal === null && vertical === null && !center) return undefined;
  // "to the top" is no way to say where a thing is; "to the left" is.
  if (prep === 'to' && (horizontal === null || vertical !== null)) return undefined;
  while (j < tokens.length && PLACE_NOUNS.has(tokens[j]!.text)) j++;
  if (tokens[j]?.text === 'of') {
    const k = tokens[j + 1]?.text === 'the' || tokens[j + 1]?.text === 'this' ? j + 2 : j + 1;
    if (!FRAME_NOUNS.has(tokens[k]?.text ?? '')) return undefined; // relative: "to the left of the man"
    j = k + 1;
  }
  return { place: { horizontal, vertical, center }, length: j - i };
}

/** The place in words as the report prints it: "top left", "left", "center". */
export function placeName(p: FramePlace): string {
  if (p.center) return 'center';
  return [p.vertical, p.horizontal].filter(Boolean).join(' ');
}

/** Whether an object whose box centre is `c` is where the claim puts it (halves; see the module comment). */
export function placeFits(p: FramePlace, c: Centre): boolean {
  if (p.center) return c.x >= 0.25 && c.x <= 0.75 && c.y >= 0.25 && c.y <= 0.75;
  if (p.horizontal === 'left' && c.x >= 0.5) return false;
  if (p.horizontal === 'right' && c.x <= 0.5) return false;
  if (p.vertical === 'top' && c.y >= 0.5) return false;
  if (p.vertical === 'bottom' && c.y <= 0.5) return false;
  return true;
}

/** True when the claim fits none of the object's boxed instances. */
export function boxFitsNothing(p: FramePlace, centres: readonly Centre[]): boolean {
  return !centres.some((c) => placeFits(p, c));
}

/** Box `[x, y, w, h]` in pixels → its centre as a share of the frame. */
export function boxCentre(box: readonly [number, number, number, number], width: number, height: number): Centre {
  return { x: (box[0] + box[2] / 2) / width, y: (box[1] + box[3] / 2) / height };
}
