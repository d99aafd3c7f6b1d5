/**
 * Greedy and beam search for the ONNX captioner. Same rules as the trainer's reference
 * (trainer/fusecap_trainer/decoding.py) so both give the same tokens for the same logits:
 *
 * - Sequences start from the prompt ids and grow one token per step, at most `maxNew` tokens; [SEP]
 *   (eos) ends a sequence and is not part of the result.
 * - Scores: log-softmax of the logits in float64.
 * - Greedy: highest logit, lowest token id on an exact tie.
 * - Beam (k): the first step expands the prompt alone; each step ranks (beam, token) candidates by score
 *   (descending), ties by beam rank then token id, walks the first 2k: eos → finished with
 *   score / generated-length (eos counted), else → next beam until k. Stops when k hypotheses finished
 *   or after `maxNew` tokens (live beams then finish with score / maxNew). Best normalised score wins,
 *   the earliest finished on a tie.
 */

/**
 * Logits of the next token for each sequence. rows[r]: the image sequence r belongs to. parents[r]: the
 * index, in the previous call, of the sequence that sequence r extends by one token (null on the first
 * call, where every sequence is the prompt) — what a KV-cached model needs to reorder its cache.
 */
export type NextLogits = (
  ids: readonly number[][],
  rows: readonly number[],
  parents: readonly number[] | null,
) => Promise<{ data: Float32Array; vocab: number }>;

export interface DecodeOptions {
  prompt: readonly number[];
  eos: number;
  maxNew: number;
}

export async function greedy(next: NextLogits, nImages: number, o: DecodeOptions): Promise<number[][]> {
  const seqs = Array.from({ length: nImages }, () => [...o.prompt]);
  const out: number[][] = new Array(nImages);
  let live = Array.from({ length: nImages }, (_, i) => i);
  let previous: number[] | null = null;
  for (let step = 0; step < o.maxNew && live.length > 0; step++) {
    const prev = previous;
    const parents = prev ? live.map((img) => prev.indexOf(img)) : null;
    const { data, vocab } = await next(
      live.map((i) => seqs[i]),
      live,
      parents,
    );
    previous = live;
    const still: number[] = [];
    live.forEach((img, r) => {
      let best = 0;
      let bestValue = -Infinity;
      for (let t = 0; t < vocab; t++) {
        const v = data[r * vocab + t];
        if (v > bestValue) {
          bestValue = v;
          best = t;
        }
      }
      if (best === o.eos) out[img] = seqs[img].slice(o.prompt.length);
      else {
        seqs[img].push(best);
        still.push(img);
      }
    });
    live = still;
  }
  for (const img of live) out[img] = seqs[img].slice(o.prompt.length);
  return out;
}

interface Hypothesis {
  score: number;
  tokens: number[];
  /** Index of this hypothesis' prefix in the previous model call (-1: none yet). */
  parent: number;
}

export async function beamSearch(next: NextLogits, nImages: number, o: DecodeOptions & { beams: number }): Promise<number[][]> {
  const k = o.beams;
  const live: Hypothesis[][] = Array.from({ length: nImages }, () => [{ score: 0, tokens: [...o.prompt], parent: -1 }]);
  const finished: Hypothesis[][] = Array.from({ length: nImages }, () => []);
  const done = new Array<boolean>(nImages).fill(false);
  for (let generated = 0; generated < o.maxNew; generated++) {
    const rows: number[] = [];
    const seqs: number[][] = [];
    const parents: number[] = [];
    for (let i = 0; i < nImages; i++) {
      if (done[i]) continue;
      for (const h of live[i]) {
        rows.push(i);
        seqs.push(h.tokens);
        parents.push(h.parent);
      }
    }
    if (rows.length === 0) break;
    const { data, vocab } = await next(seqs, rows, generated === 0 ? null : parents);
    let cursor = 0;
    for (let i = 0; i < nImages; i++) {
      if (done[i]) continue;
      const beams = live[i];
      const top = new TopCandidates(2 * k);
      for (let b = 0; b < beams.length; b++) {
        const row = (cursor + b) * vocab;
        const { max, logSum } = logSumExp(data, row, vocab);
        // (x - max) - log Σ: the order torch.log_softmax rounds in.
        for (let t = 0; t < vocab; t++) top.offer(beams[b].score + (data[row + t] - max - logSum), b * vocab + t);
      }
      cursor += beams.length;
      const nextLive: Hypothesis[] = [];
      for (const { score, index } of top.sorted()) {
        const beam = Math.floor(index / vocab);
        const token = index % vocab;
        const tokens = beams[beam].tokens;
        if (token === o.eos) finished[i].push({ score: score / (generated + 1), tokens: tokens.slice(o.prompt.length), parent: -1 });
        else nextLive.push({ score, tokens: [...tokens, token], parent: cursor - beams.length + beam });
        if (nextLive.length === k) break;
      }
      live[i] = nextLive;
      if (finished[i].length >= k) done[i] = true;
    }
  }
  return finished.map((hyps, i) => {
    if (!done[i]) for (const h of live[i]) hyps.push({ score: h.score / o.maxNew, tokens: h.tokens.slice(o.prompt.length), parent: -1 });
    let best = 0;
    for (let j = 1; j < hyps.length; j++) if (hyps[j].score > hyps[best].score) best = j;
    return hyps[best].tokens;
  });
}

/** max and log Σ exp(x - max) over data[offset .. offset + n), in float64. */
function logSumExp(data: Float32Array, offset: number, n: number): { max: number; logSum: number } {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (data[offset + j] > max) max = data[offset + j];
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(data[offset + j] - max);
  return { max, logSum: Math.log(sum) };
}

/** The best `size` (score, index) pairs: higher score first, lower index first among equal scores. */
class TopCandidates {
  private readonly items: { score: number; index: number }[] = [];
  constructor(private readonly size: number) {}

  offer(score: number, index: number): void {
    const items = this.items;
    if (items.length === this.size) {
      const last = items[items.length - 1];
      // Indices arrive in increasing order, so an equal score never beats an item already kept.
      if (score <= last.score) return;
      items.pop();
    }
    let at = items.length;
    while (at > 0 && items[at - 1].score < score) at--;
    items.splice(at, 0, { score, index });
  }

  sorted(): { score: number; index: number }[] {
    return this.items;
  }
}
