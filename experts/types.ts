/**
 * Output shapes of FuseCap's frozen experts. These are stored verbatim (jsonb) in stage_results and
 * read by the fuser, the report and the benchmark, so change them only with a version bump of the
 * expert that writes them.
 *
 * Coordinate system everywhere: pixels of the *upright* image (EXIF orientation applied), origin top-left,
 * x to the right, y down. Boxes are axis-aligned {x, y, width, height}.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Identifies the model that produced a stage result; part of the idempotency key. */
export interface ModelRef {
  /** e.g. "human-models/centernet" or "paddleocr/ppocr-v4". */
  id: string;
  /** Version of the weights *and* the post-processing code that reads them. */
  version: string;
}

export interface DetectedObject {
  label: string; // COCO-80 name, e.g. "dog", "traffic light"
  score: number; // 0..1
  box: Box;
}

export interface DetectOutput {
  imageWidth: number;
  imageHeight: number;
  objects: DetectedObject[]; // sorted by score, descending, after NMS and thresholding
  /** What the hallucination filters (experts/detect/filters.ts) did; absent when none ran. */
  filters?: DetectFilterReport;
}

export interface DetectFilterReport {
  version: string;
  /** Detections the filters saw (after NMS) and kept. */
  seen: number;
  kept: number;
  dropped: { label: string; score: number; box: Box; reason: string; detail: string }[];
  relabeled: { from: string; to: string; score: number; box: Box; reason: string; detail: string }[];
}

export interface NamedColor {
  name: string; // basic colour term, e.g. "red", "dark blue", "white"
  share: number; // share of the object's (foreground) pixels, 0..1
}

export type RelativeSize = 'small' | 'medium' | 'large';
/** 3×3 grid of the frame: "top left" … "center" … "bottom right". */
export type FramePosition = string;

export interface ObjectAttributes {
  objectIndex: number; // index into DetectOutput.objects
  label: string;
  colors: NamedColor[]; // dominant first; empty when no colour is reliable
  size: RelativeSize;
  areaShare: number; // box area / image area, 0..1
  position: FramePosition;
  person?: { ageGroup?: string; expression?: string; faceScore?: number };
  /** Extra zero-shot attributes (CLIP backend): label → probability. */
  extra?: { label: string; score: number }[];
}

export interface AttributesOutput {
  objects: ObjectAttributes[];
  /** Objects per label after thresholding, e.g. { horse: 3 }. */
  counts: Record<string, number>;
}

export interface OcrWord {
  text: string;
  confidence: number;
  box: Box;
}

export interface OcrLine {
  text: string;
  confidence: number; // 0..1, mean of the words'
  box: Box;
  words: OcrWord[];
}

export interface OcrOutput {
  lines: OcrLine[]; // reading order: top to bottom, then left to right
}

export interface GroundingReport {
  score: number; // grounded claims / all claims, 1 when there are no claims
  claims: number;
  ungrounded: { kind: 'object' | 'attribute' | 'count' | 'text'; claim: string; reason: string }[];
}

export interface FuseOutput {
  caption: string;
  backend: string; // "grounded" | "openai" | "text2text"
  model: ModelRef;
  template: string; // prompt template id + version, "none" for the grounded fuser
  ablation: { objects: boolean; attributes: boolean; ocr: boolean };
  grounding: GroundingReport;
  /** "kept" | "flagged" | "fallback" — what the grounding policy did. */
  decision: 'kept' | 'flagged' | 'fallback';
  fallbackFrom?: string;
  /** Why the fallback happened: "ungrounded (score 0.50)", "reply was cut off at max_tokens", … */
  fallbackReason?: string;
  /** The model caption the grounding policy replaced, with its report, kept for auditing. */
  rejected?: { caption: string; grounding: GroundingReport };
  /** HTTP attempts the model caption took (openai backend). */
  attempts?: number;
  /** OCR lines the fuser did not state, with why (low_confidence, repeated, not_words: …). */
  droppedTexts?: { text: string; reason: string }[];
  /** Objects whose colours the fuser did not state, with why (too_small, see_through). */
  droppedColors?: { object: string; colors: string[]; reason: string }[];
  /** What a structured (JSON) model reply listed as its claims, checked beside the caption. */
  claims?: { objects: string[]; attributes: string[]; texts: string[] };
  /** For a model caption: what the grounded fuser wrote for the same facts (the report shows both). */
  groundedCaption?: string;
  /** Claims only the similarity model could judge, and how many it grounded. */
  semantic?: { checked: number; grounded: number };
}
