/** Hallucination metrics against ground truth: CHAIR, wrong colours / expressions / quotes / positions, recall, added share. */
export {
  parseCaption,
  scoreCaption,
  statesLine,
  textMatches,
  QUOTE_DISTANCE,
  type CaptionScore,
  type ParsedCaption,
  type PositionClaim,
} from './caption.ts';
export { matchPlace, placeFits, placeName, type FramePlace } from './position.ts';
export {
  hallucinationMetricValues,
  rateIntervals,
  summarizeHallucination,
  summarizeScores,
  type HallucinationSummary,
  type TruthItem,
  wilsonInterval,
} from './summary.ts';
export {
  baseName,
  imageTruthFromTruthFile,
  parseTruthSet,
  truthByFile,
  truthFromCocoInstances,
  type ImageTruth,
  type TruthImage,
  type TruthSet,
  type TruthSplit,
} from './truth.ts';
export { COCO_CATEGORIES, cocoCategoryById, cocoCategoryByName } from './coco-categories.ts';
export { hallucinationRows, truthSourceFromJson, type CaptionSet, type HallucinationRow, type TruthSource } from './benchmark.ts';
