/**
 * Which recorded per-image error codes may pass on a later try. Only bad input is a permanent
 * stage_results row (StageInputError codes); the batch activity never records anything else. Some input
 * codes still depend on something outside the image that can change: a missing file may be restored, an
 * upstream stage's result may exist now. `stage_error` rows were written by earlier versions for any
 * failure and are re-run too. `fusecap resume` and `fusecap run --retry-errors` re-run rows with these
 * codes; other codes (corrupt_image, unsupported_format, path_escapes_root, ...) stay as they are.
 */
const MAY_PASS = new Set(['stage_error', 'upstream_failed', 'missing_file', 'missing_detect', 'missing_attributes', 'missing_ocr']);

export function errorMayPass(code: string | null): boolean {
  return code !== null && MAY_PASS.has(code);
}
