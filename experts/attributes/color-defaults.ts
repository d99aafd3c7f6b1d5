/**
 * Defaults of the colour rules that the config schema needs too, in a module without model imports so
 * config/ can read them without loading an attribute expert.
 */

/** attributes.minColorShare: chosen on the truth set's tuning half (see config/schema.ts). */
export const MIN_COLOR_SHARE_DEFAULT = 0.55;
