/**
 * FuseCap's frozen attribute recognizer. `createAttributeRecognizer(options)` →
 * `describe(image, detections)` gives, per detected object: dominant colours named in CIELAB over the
 * object's pixels (object-colors.ts), relative size and 3×3 frame position (geometry.ts), age group and
 * expression for people whose face is found (people.ts), and with the clip backend CLIP zero-shot
 * attributes (clip-attributes.ts); plus counts per label.
 *
 * `image` must be the same upright decoded image the detections were made on (decodeImage); boxes are
 * in its pixels. Options mirror config.attributes. Models (face models, CLIP) load lazily and once per
 * process and are shared by every recognizer with the same settings.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import { humanModelsVersion } from '../detect/model-ref.ts';
import type { AttributesOutput, DetectOutput, ModelRef, ObjectAttributes } from '../types.ts';
import { type ClipAttributes, DEFAULT_ATTRIBUTE_VOCABULARY, loadClipAttributes } from './clip-attributes.ts';
import { type FaceModels, loadFaceModels } from './face-models.ts';
import { areaShare, countLabels, framePosition, relativeSize } from './geometry.ts';
import { MIN_COLOR_SHARE_DEFAULT } from './color-defaults.ts';
import { objectColors } from './object-colors.ts';
import { describePerson, MAX_PEOPLE, type PersonThresholds } from './people.ts';
import { boxMask, loadSalientMasker, maskable, NATIVE_MASK_SIDE, SALIENT_MODEL, type SalientMasker } from './salient.ts';

export const ATTRIBUTE_BACKENDS = ['color', 'clip'] as const;
export type AttributeBackend = (typeof ATTRIBUTE_BACKENDS)[number];

export interface AttributeRecognizerOptions {
  backend?: AttributeBackend;
  /** Age group and expression for people (human-models face models). */
  faces?: boolean;
  /** clip backend: local folder or hub id of a CLIP model. */
  clipModel?: string;
  /** clip backend: attribute words to score; DEFAULT_ATTRIBUTE_VOCABULARY when absent. */
  vocabulary?: readonly string[];
  maxColors?: number;
  /** Name colours over a U2-Net-p salient mask of the box (salient.ts) for the largest maskObjects objects. */
  colorMask?: boolean;
  maskObjects?: number;
  /** image (default): one mask run on the photo, cut per object; box: a run per masked object's crop. */
  maskScope?: 'box' | 'image';
  /** Side of the square U2-Net-p reads (multiple of 32, 64..640); default NATIVE_MASK_SIDE (320). */
  maskSide?: number;
  /** No colour is stated when the dominant one holds less of the object's weighted pixels (object-colors.ts). */
  minColorShare?: number;
  /** People: smallest face side (px) and model scores at which age group and expression are stated. */
  people?: Partial<PersonThresholds>;
}

export interface AttributeRecognizer {
  readonly model: ModelRef;
  describe(image: DecodedImage, detections: DetectOutput): Promise<AttributesOutput>;
  dispose(): Promise<void>;
}

/** Bump when colour naming, foreground estimation, size/position rules or person logic change output. */
const RULES_VERSION = '3'; // 3: skin pixels do not vote for a person's colours
const CLIP_TOP_K = 3;

/** The model ref is known without loading anything, so stages can key results before a model loads. */
export function attributesModelRef(options: AttributeRecognizerOptions = {}): ModelRef {
  const backend = options.backend ?? 'color';
  const faces = options.faces ?? true;
  const parts = [`rules.${RULES_VERSION}`];
  if (faces) parts.push(`faces:human-models@${humanModelsVersion()}`);
  if (options.colorMask ?? true) {
    const side = options.maskSide ?? NATIVE_MASK_SIDE;
    // The native side keeps the version results had before the side became an option.
    parts.push(`mask:${SALIENT_MODEL.id}@${SALIENT_MODEL.version}${side === NATIVE_MASK_SIDE ? '' : `@${side}px`}`);
  }
  if (backend === 'clip') return { id: `transformers/${options.clipModel ?? '?'}`, version: [...parts, 'clip.1'].join('+') };
  return { id: 'fusecap/cielab-colors', version: parts.join('+') };
}

const faceCache: { loaded: Promise<FaceModels> | null; users: number } = { loaded: null, users: 0 };
const clipCache = new Map<string, { loaded: Promise<ClipAttributes>; users: number }>();

export async function createAttributeRecognizer(options: AttributeRecognizerOptions = {}): Promise<AttributeRecognizer> {
  const backend = options.backend ?? 'color';
  if (!ATTRIBUTE_BACKENDS.includes(backend)) {
    throw new Error(`unknown attributes backend "${String(backend)}"; allowed: ${ATTRIBUTE_BACKENDS.join(', ')}`);
  }
  const maxColors = options.maxColors ?? 2;
  if (!Number.isInteger(maxColors) || maxColors < 1 || maxColors > 5)
    throw new Error(`attributes maxColors must be an integer 1..5, got ${maxColors}`);
  if (backend === 'clip' && !options.clipModel)
    throw new Error('attributes backend "clip" needs clipModel (local folder or hub id of a CLIP model)');
  const useFaces = options.faces ?? true;
  const maskObjects = options.maskObjects ?? 4;
  const minDominantShare = options.minColorShare ?? MIN_COLOR_SHARE_DEFAULT;

  let faces: FaceModels | null = null;
  if (useFaces) {
    if (!faceCache.loaded) {
      const loading = loadFaceModels();
      faceCache.loaded = loading;
      loading.catch(() => {
        if (faceCache.loaded === loading) faceCache.loaded = null;
      });
    }
    faces = await faceCache.loaded;
    faceCache.users++;
  }
  let clip: ClipAttributes | null = null;
  const clipKey = JSON.stringify([options.clipModel, options.vocabulary ?? DEFAULT_ATTRIBUTE_VOCABULARY]);
  if (backend === 'clip') {
    let entry = clipCache.get(clipKey);
    if (!entry) {
      entry = { loaded: loadClipAttributes({ model: options.clipModel!, vocabulary: options.vocabulary }), users: 0 };
      clipCache.set(clipKey, entry);
      entry.loaded.catch(() => clipCache.delete(clipKey));
    }
    try {
      clip = await entry.loaded;
    } catch (error) {
      if (faces) releaseFaces();
      throw error;
    }
    entry.users++;
  }
  const masker: SalientMasker | null = (options.colorMask ?? true) ? await loadSalientMasker(options.maskSide) : null;
  let disposed = false;

  return {
    model: attributesModelRef(options),
    async describe(image, detections) {
      if (disposed) throw new Error('attribute recognizer was disposed');
      if (detections.imageWidth !== image.width || detections.imageHeight !== image.height) {
        throw new Error(
          `detections were made on a ${detections.imageWidth}×${detections.imageHeight} image but this one is ${image.width}×${image.height}; ` +
            'pass the same upright decoded image (decodeImage) to both experts',
        );
      }
      const objects: ObjectAttributes[] = [];
      let people = 0;
      // Only the largest objects get a mask (with maskScope "box" each costs a model run); the rest, the ring estimate.
      const masked = new Set(
        [...detections.objects.keys()]
          .sort((a, b) => boxArea(detections.objects[b].box) - boxArea(detections.objects[a].box))
          .slice(0, masker ? maskObjects : 0),
      );
      // The photo-wide run only pays when some masked box is big enough to be given a mask.
      const wantsPhotoMask =
        masker && (options.maskScope ?? 'image') === 'image' && [...masked].some((i) => maskable(image, detections.objects[i].box));
      const photoMask = wantsPhotoMask ? await masker.maskImage(image) : null;
      for (const [objectIndex, det] of detections.objects.entries()) {
        const share = areaShare(det.box, image.width, image.height);
        const mask =
          !masker || !masked.has(objectIndex) ? null : photoMask ? boxMask(photoMask, det.box) : await masker.mask(image, det.box);
        const attrs: ObjectAttributes = {
          objectIndex,
          label: det.label,
          colors: objectColors(image, det.box, maxColors, { mask, minDominantShare, excludeSkin: det.label === 'person' }).colors,
          size: relativeSize(share),
          areaShare: Math.round(share * 1e4) / 1e4,
          position: framePosition(det.box, image.width, image.height),
        };
        if (faces && det.label === 'person' && people < MAX_PEOPLE) {
          people++;
          const person = await describePerson(image, det.box, faces, options.people);
          if (person) attrs.person = person;
        }
        if (clip) {
          const crop = await cropBox(image, det.box);
          if (crop) attrs.extra = await clip.classify(crop, det.label, CLIP_TOP_K);
        }
        objects.push(attrs);
      }
      return { objects, counts: countLabels(detections.objects.map((o) => o.label)) };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (faces) releaseFaces();
      await masker?.dispose();
      if (clip) {
        const entry = clipCache.get(clipKey);
        if (entry && --entry.users <= 0) {
          clipCache.delete(clipKey);
          await clip.dispose();
        }
      }
    },
  };
}

function boxArea(box: { width: number; height: number }): number {
  return box.width * box.height;
}

function releaseFaces(): void {
  if (--faceCache.users <= 0 && faceCache.loaded) {
    const loaded = faceCache.loaded;
    faceCache.loaded = null;
    faceCache.users = 0;
    void loaded.then((f) => f.dispose()).catch(() => undefined);
  }
}

async function cropBox(image: DecodedImage, box: { x: number; y: number; width: number; height: number }): Promise<DecodedImage | null> {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const width = Math.min(image.width, Math.ceil(box.x + box.width)) - left;
  const height = Math.min(image.height, Math.ceil(box.y + box.height)) - top;
  if (width < 2 || height < 2) return null;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .raw()
    .toBuffer();
  return { data, width, height, channels: 3 };
}
