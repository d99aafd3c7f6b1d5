/**
 * The sides U2-Net-p may read (attributes.maskSide), in a module with no model imports so the config
 * schema can check them without loading onnxruntime.
 */

/** The side U2-Net-p was trained and shipped at; a smaller one costs less (∝ side²). */
export const NATIVE_MASK_SIDE = 320;
export const MIN_MASK_SIDE = 64;
export const MAX_MASK_SIDE = 640;

/** A multiple of 32 (the network halves its input five times) within MIN..MAX. */
export function isMaskSide(side: number): boolean {
  return Number.isInteger(side) && side >= MIN_MASK_SIDE && side <= MAX_MASK_SIDE && side % 32 === 0;
}

export const MASK_SIDE_RULE = `a multiple of 32 in ${MIN_MASK_SIDE}..${MAX_MASK_SIDE}`;
