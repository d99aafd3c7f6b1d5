import { cocoTokenize } from '../../../metrics/coco/tokenizer.ts';

/** Tokenized captions in the layout bench/cocoeval_ref.py reports them. */
export function tokenizeAll(
  fixture: { references: Record<string, string[]>; candidates: Record<string, string> },
  ids: readonly string[],
): { references: string[][]; candidates: string[] } {
  return {
    candidates: ids.map((id) => cocoTokenize(fixture.candidates[id])),
    references: ids.map((id) => fixture.references[id].map(cocoTokenize)),
  };
}
