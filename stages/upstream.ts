/**
 * An upstream stage output as a stage reads it: present when needed, and of the shape its registry entry
 * declares (stored outputs are jsonb, written by whatever version of the upstream expert ran). Every stage
 * reports a missing or malformed one the same way: a per-image StageInputError coded missing_<stage> or
 * bad_<stage>.
 */
import type { z } from 'zod';
import { StageInputError } from '../lib/errors.ts';
import { STAGE_SPECS, type StageName } from './registry.ts';
import type { StageInput } from './types.ts';

type OutputOf<S extends StageName> = z.infer<(typeof STAGE_SPECS)[S]['output']>;

export function upstreamOutput<S extends StageName>(input: Pick<StageInput, 'upstream'>, reader: string, stage: S): OutputOf<S> {
  const value = input.upstream[stage];
  if (value === undefined || value === null) {
    throw new StageInputError(`${reader} needs the ${stage} stage's output, which is missing for this image`, `missing_${stage}`);
  }
  const parsed = STAGE_SPECS[stage].output.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StageInputError(
      `the ${stage} stage's stored output does not have the expected shape (${issue?.path.join('.') || 'root'}: ${issue?.message})`,
      `bad_${stage}`,
    );
  }
  return parsed.data as OutputOf<S>;
}
