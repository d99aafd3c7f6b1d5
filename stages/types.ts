/**
 * The contract between the generic stage activity (activities/stage-batch.ts) and one stage's
 * implementation. Implementations adapt an expert (plain TypeScript in experts/) to this shape; they
 * never touch the database or Temporal.
 */
import type { FusecapConfig } from '../config/schema.ts';
import type { ModelRef } from '../experts/types.ts';

export interface StageImage {
  id: string;
  datasetId: string;
  /** Absolute path of the image file. */
  path: string;
  sha256: string;
  /** Upright size from the probe stage; 0 before probe has run. */
  width: number;
  height: number;
  format: string | null;
}

export interface StageInput {
  image: StageImage;
  /** Outputs of the stages this one depends on, keyed by stage name (per stages/registry.ts). */
  upstream: Record<string, unknown>;
  /** Original captions of the image, in ingest order. */
  captions: string[];
  signal: AbortSignal;
}

export interface StageDescription {
  model: ModelRef;
  /** Everything besides the model that changes the output; hashed into the idempotency key. */
  params: Record<string, unknown>;
}

export interface StageImpl<Out = unknown> {
  readonly name: string;
  describe(config: FusecapConfig): StageDescription;
  /** Loads models once per worker process. Throws a clear error naming a missing or corrupt model file. */
  load?(config: FusecapConfig): Promise<void>;
  run(input: StageInput, config: FusecapConfig): Promise<Out>;
  /**
   * Images of a batch the activity runs at once (default 1). Only for stages whose model serves several
   * requests together (parallel LLM sequences, a remote server's concurrency); CPU-bound experts keep 1.
   */
  concurrency?(config: FusecapConfig): number;
  /** When the stage produces a caption (fuse, caption), the text to store in `captions`. */
  captionOf?(output: Out): string | null;
  /** Which kind of caption captionOf gives: 'fused' (fuse) or 'generated' (a trained captioner). */
  readonly captionSource?: 'fused' | 'generated';
  /** When the stage learns the image's decoded format and upright size (probe), to store on the image row. */
  imageFacts?(output: Out): { format: string; width: number; height: number } | null;
  dispose?(): Promise<void>;
}
