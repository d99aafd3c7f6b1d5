/**
 * Whether a pixel is skin-toned: the YCbCr box of Chai & Ngan (1999), 133 ≤ Cr ≤ 173 and 77 ≤ Cb ≤ 127,
 * with a floor on brightness (Y ≥ 40) so dark shadows and black clothes are not taken for skin. The box
 * holds skin of every complexion under ordinary light; it also holds some browns, tans and pinks of
 * clothing, which is why it is used only to leave pixels out of a vote, never to state anything.
 */
export function isSkinTone(r: number, g: number, b: number): boolean {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  if (y < 40) return false;
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return cr >= 133 && cr <= 173 && cb >= 77 && cb <= 127;
}
