/**
 * Greedy CTC decoding of the rec model's per-frame class probabilities (already softmaxed by the model):
 * best class per frame, repeats collapsed, blanks (class 0) dropped. Each kept character remembers the
 * frame it came from, so words can be located along the crop.
 *
 * Space recovery: PP-OCRv4's rec model (trained mostly on Chinese, where there are no spaces) often lets
 * the blank win by a small margin at a word gap. Between two characters, a run of blank frames whose
 * space probability reaches `spaceRecovery` is read as a space. 0.1 was chosen on the rendered test set:
 * plain greedy decoding read "OPEN DAILY" (sign_bakery.png) as "OPENDAILY" (space 0.25 at the gap);
 * 0.2 still lost three gaps in 18-px text ("before12 March2025"); 0.1 and 0.05 read all 107 words and
 * the sample signs without splitting any word.
 */
export interface DecodedChar {
  char: string;
  frame: number;
  probability: number;
}

export interface DecodedText {
  text: string;
  /** Mean probability of the kept characters (recovered spaces excluded); 0 when nothing was read. */
  confidence: number;
  chars: DecodedChar[];
  frames: number;
}

export const DEFAULT_SPACE_RECOVERY = 0.1;

/**
 * @param probs output tensor data `[batch, frames, classes]`; the last class is the space
 * @param item which batch item to decode
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  frames: number,
  classes: readonly string[],
  item: number,
  spaceRecovery = DEFAULT_SPACE_RECOVERY,
): DecodedText {
  const n = classes.length;
  const space = n - 1;
  const chars: DecodedChar[] = [];
  let scored = 0;
  let sum = 0;
  let previous = -1;
  // Highest space probability (and its frame) over the blank run since the last emitted character.
  let gapSpace = 0;
  let gapFrame = -1;
  for (let t = 0; t < frames; t++) {
    const base = (item * frames + t) * n;
    let best = 0;
    let bestP = probs[base];
    for (let c = 1; c < n; c++) {
      const p = probs[base + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best === 0) {
      if (probs[base + space] > gapSpace) {
        gapSpace = probs[base + space];
        gapFrame = t;
      }
    } else if (best !== previous) {
      const last = chars.at(-1);
      if (best !== space && last && last.char !== ' ' && gapSpace >= spaceRecovery) {
        chars.push({ char: ' ', frame: gapFrame, probability: gapSpace });
      }
      chars.push({ char: classes[best], frame: t, probability: bestP });
      scored++;
      sum += bestP;
    }
    if (best !== 0) {
      gapSpace = 0;
      gapFrame = -1;
    }
    previous = best;
  }
  // Spaces at either end carry no information.
  while (chars.length && chars[0].char === ' ') chars.shift();
  while (chars.length && chars.at(-1)!.char === ' ') chars.pop();
  const text = chars.map((c) => c.char).join('');
  return { text, confidence: scored ? sum / scored : 0, chars, frames };
}
