/**
 * The idempotency key of a stage under a config: model id + version + hash of the params that change its
 * output. The batch activity, the trainer (which fused captions to train on) and the benchmark (which
 * results to compare) all find stage results by this key, so it is computed in one place.
 */
import type { FusecapConfig } from '../config/schema.ts';
import { paramsHash } from '../lib/hash.ts';
import { stageImplementation } from './implementations.ts';
import type { StageImpl } from './types.ts';

export interface StageResultKey {
  stage: string;
  modelId: string;
  modelVersion: string;
  paramsHash: string;
  /** The params that were hashed, stored beside the result so a key can be read back. */
  params: Record<string, unknown>;
}

export function stageKeyOf(impl: StageImpl, config: FusecapConfig): StageResultKey {
  const { model, params } = impl.describe(config);
  return { stage: impl.name, modelId: model.id, modelVersion: model.version, paramsHash: paramsHash(params), params };
}

/** The key of a stage by name (loads its implementation module, not its model). */
export async function stageKeyByName(stage: string, config: FusecapConfig): Promise<StageResultKey> {
  return stageKeyOf(await stageImplementation(stage), config);
}
