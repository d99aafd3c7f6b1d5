// The custom search attributes fusecap registers on its Temporal namespace. The dev server takes them
// as `--search-attribute Name=Type` at start; a production cluster needs them added once with
// `temporal operator search-attribute create`. This file imports nothing from Node so workflow code
// may import the typed keys too.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Types as the Temporal CLI spells them (`--search-attribute Name=Keyword`). */
export type CliSearchAttributeType = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface SearchAttributeDefinition {
  readonly name: string;
  readonly type: CliSearchAttributeType;
  readonly description: string;
}

export const FUSECAP_SEARCH_ATTRIBUTES: readonly SearchAttributeDefinition[] = [
  { name: 'FusecapDataset', type: 'Keyword', description: 'dataset name a run works on' },
  { name: 'FusecapRunKind', type: 'Keyword', description: 'pipeline | enrich | train | caption | benchmark | ...' },
  { name: 'FusecapStage', type: 'Keyword', description: 'stage a workflow is in or runs' },
];

/** Typed keys for `upsertSearchAttributes` / `typedSearchAttributes` in workflows and clients. */
export const FusecapDatasetKey = defineSearchAttributeKey('FusecapDataset', SearchAttributeType.KEYWORD);
export const FusecapRunKindKey = defineSearchAttributeKey('FusecapRunKind', SearchAttributeType.KEYWORD);
export const FusecapStageKey = defineSearchAttributeKey('FusecapStage', SearchAttributeType.KEYWORD);

/** `--search-attribute` arguments for `temporal server start-dev`. */
export function searchAttributeCliArgs(defs: readonly SearchAttributeDefinition[] = FUSECAP_SEARCH_ATTRIBUTES): string[] {
  return defs.flatMap((d) => ['--search-attribute', `${d.name}=${d.type}`]);
}
