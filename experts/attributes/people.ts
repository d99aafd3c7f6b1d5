/**
 * Age group and facial expression for detected people: BlazeFace looks for a face in the upper part of
 * each person box (where a standing or sitting person's head is; cropping there makes a small face large
 * enough for the 256-px detector), then SSR-Net gives an age and the emotion model an expression.
 * A person with no face found (back turned, too small, occluded) simply gets no `person` field.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import type { Box } from '../types.ts';
import type { FaceModels } from './face-models.ts';

/** Face detector score below which a "face" is not trusted (measured: a dog's head scores ~0.62). */
export const MIN_FACE_SCORE = 0.7;
/** Below this, the emotion model's top class is too uncertain to state. */
export const MIN_EXPRESSION_SCORE = 0.4;

/**
 * When a person's age group and expression may be stated (config.attributes.people). A face a few
 * dozen pixels wide is read by the models all the same, and wrongly: "a sad person" for a 36×32 px
 * figure seen from behind. Defaults chosen on the truth set's tuning half.
 */
export interface PersonThresholds {
  /** Shorter side of the found face box, px, below which neither age nor expression is stated. */
  minFaceSide: number;
  /** Face detector score for stating anything. */
  minFaceScore: number;
  /** Emotion model's top-class probability for stating an expression. */
  minExpressionScore: number;
}

export const PERSON_DEFAULTS: PersonThresholds = { minFaceSide: 48, minFaceScore: 0.8, minExpressionScore: 0.6 };
/** People per image that get face analysis; a crowd's 50th face adds nothing to a caption. */
export const MAX_PEOPLE = 8;

export interface PersonAttributes {
  ageGroup?: string;
  expression?: string;
  faceScore?: number;
}

/** SSR-Net is trained on adults and is ±5–8 years at best: only coarse groups are stated. */
export function ageGroup(years: number): string {
  if (years < 13) return 'child';
  if (years < 20) return 'teenager';
  if (years < 60) return 'adult';
  return 'elderly';
}

/** The head region of a person box: full width, top part, at most as tall as wide (and ≥ 30% of the height). */
export function headRegion(
  box: Box,
  imageWidth: number,
  imageHeight: number,
): { left: number; top: number; width: number; height: number } | null {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const right = Math.min(imageWidth, Math.ceil(box.x + box.width));
  const height = Math.max(box.height * 0.3, Math.min(box.height, box.width));
  const bottom = Math.min(imageHeight, Math.ceil(box.y + height));
  if (right - left < 8 || bottom - top < 8) return null;
  return { left, top, width: right - left, height: bottom - top };
}

export async function describePerson(
  image: DecodedImage,
  box: Box,
  faces: FaceModels,
  thresholds: Partial<PersonThresholds> = {},
): Promise<PersonAttributes | undefined> {
  const t = { ...PERSON_DEFAULTS, ...thresholds };
  const region = headRegion(box, image.width, image.height);
  // A face found inside the region is no larger than it, so one too small to pass minFaceSide is not
  // looked for: the same answer without a BlazeFace run (most people in wide shots are this small).
  if (!region || Math.min(region.width, region.height) < t.minFaceSide) return undefined;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(region)
    .raw()
    .toBuffer();
  const crop: DecodedImage = { data, width: region.width, height: region.height, channels: 3 };
  const found = await faces.findFaces(crop, MIN_FACE_SCORE);
  if (found.length === 0) return undefined;
  const face = found[0];
  if (face.score < t.minFaceScore || Math.min(face.box.width, face.box.height) < t.minFaceSide) return undefined;
  const inImage: Box = { x: face.box.x + region.left, y: face.box.y + region.top, width: face.box.width, height: face.box.height };
  const analysis = await faces.analyse(image, inImage);
  const out: PersonAttributes = { ageGroup: ageGroup(analysis.age), faceScore: Math.round(face.score * 1000) / 1000 };
  if (analysis.expressionScore >= Math.max(MIN_EXPRESSION_SCORE, t.minExpressionScore)) out.expression = analysis.expression;
  return out;
}
