import { cocoTokenizeSequence } from '../../../metrics/coco/tokenizer.ts';

/** Tokenized captions in the layout bench/cocoeval_ref.py reports them (references flattened in image order). */
export function tokenizeAll(
  fixture: { references: Record<string, string[]>; candidates: Record<string, string> },
  ids: readonly string[],
): { references: string[][]; candidates: string[] } {
  const flat = cocoTokenizeSequence(ids.flatMap((id) => fixture.references[id]));
  let k = 0;
  return {
    candidates: cocoTokenizeSequence(ids.map((id) => fixture.candidates[id])),
    references: ids.map((id) => fixture.references[id].map(() => flat[k++])),
  };
}
