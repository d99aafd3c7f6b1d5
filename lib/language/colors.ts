/**
 * The one list of colour words. The attribute expert names an object's colour with one of the eleven
 * basic colour terms (Berlin & Kay), optionally "light"/"dark"; captions written by people use more words
 * for the same hues, which the fuser and the benchmark must still recognise as colours.
 */
export const BASIC_COLORS = ['black', 'white', 'gray', 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown'] as const;
export type BasicColor = (typeof BASIC_COLORS)[number];

/** Colour words a caption may use beyond the basic terms ("grey" is read as "gray"). */
export const OTHER_COLOR_WORDS = [
  'grey',
  'beige',
  'tan',
  'gold',
  'silver',
  'cyan',
  'teal',
  'navy',
  'maroon',
  'violet',
  'turquoise',
  'olive',
] as const;

/** Every word read as a colour in a caption. */
export const COLOR_WORDS: readonly string[] = [...BASIC_COLORS, ...OTHER_COLOR_WORDS];
