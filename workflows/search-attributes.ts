import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered on the server at start (services/temporal-server.ts, `fusecap up`); used by `temporal workflow list --query`. */
export const DATASET_KEY = defineSearchAttributeKey('FusecapDataset', SearchAttributeType.KEYWORD);
export const RUN_KIND_KEY = defineSearchAttributeKey('FusecapRunKind', SearchAttributeType.KEYWORD);
