/** Model files as every expert finds them: one error type naming the file that is missing or corrupt. */

/** A model file that is missing, truncated or of the wrong kind; `file` is the path the message names. */
export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}
