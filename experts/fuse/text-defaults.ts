/**
 * Defaults of the text rules that the config schema needs too, in a module without imports so config/
 * can read them without loading the fuser's facts (lexicon, word lists).
 */

/**
 * OCR lines at or above this confidence skip the word check. Chosen on the truth set's tuning half with
 * PP-OCRv6 small: the true names and brands it read scored 0.992–1.000 ("COMO HOPPER", "SANYO", "alla
 * Mandorla"), its misreads that fail the check at most 0.92 ("27 to Cary 4:").
 */
export const SURE_TEXT_CONFIDENCE = 0.99;
