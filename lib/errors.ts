/**
 * The two failure kinds every layer may throw, so the batch activity can tell them apart. They live in
 * lib/ because the lowest layers (the image decoder, the experts) throw them and must not import stages/.
 */

/** Bad input for one image: recorded in stage_results.error, never retried, never fails the batch. */
export class StageInputError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'StageInputError';
  }
}

/** A failure that may pass (network, busy server): the batch activity retries the image later. */
export class TransientStageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientStageError';
  }
}
