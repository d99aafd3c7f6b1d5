/**
 * The benchmark's view of the hallucination metrics: a truth file (the project's truth.json or a COCO
 * instances JSON, told apart by shape) and the captions of a run → metric rows per split and caption
 * source. Pure: the activity reads the files and stores the rows.
 */
import { hallucinationMetricValues, summarizeHallucination, type TruthItem } from './summary.ts';
import { baseName, parseTruthSet, truthByFile, truthFromCocoInstances, type ImageTruth, type TruthSplit } from './truth.ts';

export interface TruthSource {
  kind: 'truth' | 'coco-instances';
  byFile: ReadonlyMap<string, ImageTruth>;
  /** The truth file's fixed split per file name (truth.json only). */
  splitOf?: ReadonlyMap<string, TruthSplit>;
}

/** A truth.json has `version` and per-image `file`; a COCO instances file has `annotations`. */
export function truthSourceFromJson(json: unknown): TruthSource {
  if (json && typeof json === 'object' && 'annotations' in json) return { kind: 'coco-instances', byFile: truthFromCocoInstances(json) };
  const set = parseTruthSet(json);
  return { kind: 'truth', byFile: truthByFile(set), splitOf: new Map(set.images.map((im) => [baseName(im.file), im.split])) };
}

export interface CaptionSet {
  /** "original", "fused", "generated", "ablation:objects+ocr", … */
  captionSource: string;
  /** Image id → captions of this source (every original; the first produced caption otherwise). */
  captions: ReadonlyMap<string, readonly string[]>;
}

export interface HallucinationRow {
  split: string;
  captionSource: string;
  name: string;
  value: number;
}

/**
 * Rows for every caption source over the images the truth knows (matched by file name), under split
 * `allSplit`, and under the truth file's own splits ("tuning", "test") when it has them. The added share
 * of a produced caption is measured against the image's original captions.
 */
export function hallucinationRows(input: {
  truth: TruthSource;
  /** Image id → the image's path in the dataset (its file name is looked up in the truth). */
  paths: ReadonlyMap<string, string>;
  originals: ReadonlyMap<string, readonly string[]>;
  sources: readonly CaptionSet[];
  allSplit: string;
}): HallucinationRow[] {
  const rows: HallucinationRow[] = [];
  const splits: { name: string; keep: (file: string) => boolean }[] = [{ name: input.allSplit, keep: () => true }];
  if (input.truth.splitOf) {
    for (const s of ['tuning', 'test'] as const) splits.push({ name: s, keep: (file) => input.truth.splitOf!.get(file) === s });
  }
  for (const split of splits) {
    for (const source of input.sources) {
      const items: TruthItem[] = [];
      for (const [imageId, captions] of source.captions) {
        const path = input.paths.get(imageId);
        const file = path === undefined ? undefined : baseName(path);
        const truth = file === undefined ? undefined : input.truth.byFile.get(file);
        if (!truth || !split.keep(file!)) continue;
        const originals = source.captionSource === 'original' ? undefined : input.originals.get(imageId);
        for (const caption of captions) items.push({ caption, truth, originals });
      }
      if (items.length === 0) continue;
      const values = hallucinationMetricValues(summarizeHallucination(items));
      for (const [name, value] of Object.entries(values))
        rows.push({ split: split.name, captionSource: source.captionSource, name, value });
    }
  }
  return rows;
}
