/**
 * Grounding for a structured LLM reply. Two checks, one report:
 * 1. the caption itself, by the lexicon (checkGrounding, as for every backend);
 * 2. each claim the model lists (objects, attributes, texts): a phrase the lexicon can read is judged by
 *    the lexicon (so "cat" for a detected dog stays wrong however close the words are); a phrase it
 *    cannot read ("porch", "wooden deck") is grounded when it is close enough in meaning (MiniLM cosine ≥
 *    threshold) to a phrase of the sources: a 1–3-word span of the original caption, an expert object
 *    ("dog", "white dog") or a text the OCR read. A paraphrase passes, an invention does not.
 * Quoted texts are always checked exactly (normalised): a sign's text is not paraphrased.
 */
import type { GroundingReport } from '../types.ts';
import type { FuseFacts } from './facts.ts';
import { type PreparedSources, checkGrounding } from './grounding.ts';
import { nounOfConcept } from '../../lib/language/lexicon.ts';
import type { FusedReply } from './reply.ts';
import { type Embedder, cosine } from './similarity.ts';

type Ungrounded = GroundingReport['ungrounded'][number];

export interface ClaimCheck {
  report: GroundingReport;
  /** Claims the lexicon could not read, and how many of them the similarity model grounded. */
  semantic: { checked: number; grounded: number };
}

const STOPWORDS = new Set('a an the of on in at to with and or next near by for from its his her their some two three is are'.split(' '));

/** Phrases the claims are compared with: spans of the original caption, expert objects, OCR texts. */
export function sourcePhrases(original: string, facts: FuseFacts): string[] {
  const words = original.toLowerCase().match(/[a-z0-9]+(?:['-][a-z0-9]+)*/g) ?? [];
  const out = new Set<string>();
  for (let n = 1; n <= 3; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      const span = words.slice(i, i + n);
      if (STOPWORDS.has(span[0]) || STOPWORDS.has(span[n - 1])) continue;
      out.add(span.join(' '));
    }
  }
  for (const g of facts.groups) {
    const noun = nounOfConcept(g.concept, 1);
    out.add(noun);
    if (facts.ablation.attributes) for (const c of new Set(g.members.flatMap((m) => m.colors.map((x) => x.name)))) out.add(`${c} ${noun}`);
  }
  for (const t of facts.texts) out.add(t.text.toLowerCase());
  return [...out];
}

export async function checkReply(
  reply: FusedReply,
  sources: PreparedSources,
  original: string,
  embedder: Embedder | null,
  threshold: number,
): Promise<ClaimCheck> {
  const caption = checkGrounding(reply.caption, sources);
  const ungrounded: Ungrounded[] = [...caption.ungrounded];
  let claims = caption.claims;
  const unread: { phrase: string; kind: Ungrounded['kind'] }[] = [];
  const seen = new Set(ungrounded.map((u) => `${u.kind}:${u.claim}`));
  const add = (u: Ungrounded): void => {
    if (seen.has(`${u.kind}:${u.claim}`)) return;
    seen.add(`${u.kind}:${u.claim}`);
    ungrounded.push(u);
  };
  for (const [kind, phrases] of [
    ['object', reply.objects],
    ['attribute', reply.attributes],
  ] as const) {
    for (const phrase of phrases) {
      const lexical = checkGrounding(phrase, sources);
      if (lexical.claims === 0) {
        unread.push({ phrase, kind });
        continue;
      }
      claims += lexical.claims;
      lexical.ungrounded.forEach(add);
    }
  }
  for (const text of reply.texts) {
    const lexical = checkGrounding(`"${text.replace(/"/g, "'")}"`, sources);
    claims += lexical.claims;
    lexical.ungrounded.forEach(add);
  }
  let grounded = 0;
  if (unread.length) {
    claims += unread.length;
    const phrases = sourcePhrases(original, sources.facts);
    if (!embedder) {
      for (const u of unread) add({ kind: u.kind, claim: u.phrase, reason: 'not a known word and no similarity model is loaded' });
    } else {
      const [claimVecs, sourceVecs] = await Promise.all([
        embedder.embed(unread.map((u) => u.phrase.toLowerCase())),
        embedder.embed(phrases),
      ]);
      unread.forEach((u, i) => {
        let best = -1;
        let bestPhrase = '';
        sourceVecs.forEach((v, j) => {
          const s = cosine(claimVecs[i], v);
          if (s > best) [best, bestPhrase] = [s, phrases[j]];
        });
        if (best >= threshold) grounded++;
        else {
          add({
            kind: u.kind,
            claim: u.phrase,
            reason: `no source says so (closest: ${JSON.stringify(bestPhrase)}, similarity ${best.toFixed(2)} < ${threshold})`,
          });
        }
      });
    }
  }
  const failed = ungrounded.length;
  return {
    report: { score: claims === 0 ? 1 : Math.max(0, (claims - failed) / claims), claims, ungrounded },
    semantic: { checked: unread.length, grounded },
  };
}
