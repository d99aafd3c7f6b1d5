/**
 * Ground truth for the hallucination metrics, from either source the benchmark accepts:
 * - the project's truth file (data/truth/truth.json): per image the COCO-80 objects present with counts,
 *   boxes and true colours, legible text lines, and the expressions / ages an annotator could read;
 * - a COCO instances JSON (instances_val2014.json and the like): per image file name, the categories of
 *   its annotations. It says nothing of colours, text or people, so those rates are not judged for it.
 * Both become one `ImageTruth` per file name; the metrics never look at the source.
 */
import { z } from 'zod';
import { cocoCategoryById, isCocoName } from './coco-categories.ts';
import { boxCentre, type Centre } from './position.ts';

const box = z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]);

const truthObject = z.object({
  /** COCO 2017 category name ("dining table", "tv"). */
  name: z.string().refine(isCocoName, { message: 'not a COCO-80 category name' }),
  count: z.number().int().min(1),
  /** Basic colour words the object truly has; [] when the annotator did not judge its colour. */
  colors: z.array(z.string()).default([]),
  /** [x, y, width, height] in pixels of the stored image, for the main instances. */
  boxes: z.array(box).default([]),
});

const truthPerson = z.object({
  /** Expression words an annotator could read on this face ([] = none readable: face too small, turned away). */
  expressions: z.array(z.string()).default([]),
  ages: z.array(z.string()).default([]),
});

export const truthImageSchema = z.object({
  file: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  split: z.enum(['tuning', 'test']),
  /** objects: COCO objects are the subject; text: legible text; decoy: a non-COCO subject detectors mistake; scene: neither. */
  kind: z.enum(['objects', 'text', 'decoy', 'scene']),
  caption: z.string().min(1),
  objects: z.array(truthObject).default([]),
  /** COCO classes that may or may not be there (a toy bird, a painted chicken): neither required nor hallucinated. */
  maybe: z.array(z.string().refine(isCocoName, { message: 'not a COCO-80 category name' })).default([]),
  /** Non-COCO nouns for what is there (squirrel, generator): for filters that map captions to broader concepts. */
  subjects: z.array(z.string()).default([]),
  /** Every legible text line; a caption should state these. */
  text: z.array(z.string()).default([]),
  /** Tiny legible labels (component codes): a quote of one is true, but recall does not ask for them. */
  textMinor: z.array(z.string()).default([]),
  people: z.array(truthPerson).default([]),
});

export const truthSetSchema = z.object({
  version: z.literal(1),
  about: z.string().optional(),
  images: z.array(truthImageSchema).min(1),
});

export type TruthImage = z.infer<typeof truthImageSchema>;
export type TruthSet = z.infer<typeof truthSetSchema>;
export type TruthSplit = TruthImage['split'];

/** Parses a truth file's JSON; the error names the image and field that are wrong. */
export function parseTruthSet(json: unknown): TruthSet {
  const parsed = truthSetSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid truth file at ${issue.path.join('.')}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const im of parsed.data.images) {
    if (seen.has(im.file)) throw new Error(`invalid truth file: ${im.file} appears twice`);
    seen.add(im.file);
  }
  return parsed.data;
}

/** What the metrics know about one image. Absent fields are not judged (a COCO instances file has no text). */
export interface ImageTruth {
  /** COCO-80 names present. */
  objects: ReadonlySet<string>;
  /** COCO-80 names neither required nor counted as hallucinated. */
  maybe: ReadonlySet<string>;
  /** True colour words per COCO name; a name without an entry (or with []) is not judged. */
  colors?: ReadonlyMap<string, readonly string[]>;
  /** Lines a caption should state (recall) and may quote. */
  text?: readonly string[];
  /** Further lines a caption may quote. */
  textMinor?: readonly string[];
  /** Expression words readable on any face in the image; [] = none readable. */
  expressions?: readonly string[];
  ages?: readonly string[];
  /**
   * Box centres per COCO name, for names whose every instance is boxed (a crowd boxed in part is not:
   * an unboxed member may be where a caption says). A name without an entry is not judged for position.
   */
  centres?: ReadonlyMap<string, readonly Centre[]>;
}

export function imageTruthFromTruthFile(im: TruthImage): ImageTruth {
  const colors = new Map<string, string[]>();
  for (const o of im.objects) colors.set(o.name, [...(colors.get(o.name) ?? []), ...o.colors.map((c) => c.toLowerCase())]);
  const centres = new Map<string, Centre[]>();
  const partlyBoxed = new Set(im.objects.filter((o) => o.boxes.length < o.count).map((o) => o.name));
  for (const o of im.objects) {
    if (partlyBoxed.has(o.name)) continue;
    centres.set(o.name, [...(centres.get(o.name) ?? []), ...o.boxes.map((b) => boxCentre(b, im.width, im.height))]);
  }
  return {
    objects: new Set(im.objects.map((o) => o.name)),
    maybe: new Set(im.maybe),
    colors,
    text: im.text,
    textMinor: im.textMinor,
    expressions: im.people.flatMap((p) => p.expressions.map((e) => e.toLowerCase())),
    ages: im.people.flatMap((p) => p.ages.map((a) => a.toLowerCase())),
    centres,
  };
}

/** Truth by file name (the path's last segment, so `images/x.jpg` and `x.jpg` meet), optionally one split only. */
export function truthByFile(set: TruthSet, split?: TruthSplit): Map<string, ImageTruth> {
  const out = new Map<string, ImageTruth>();
  for (const im of set.images) if (!split || im.split === split) out.set(baseName(im.file), imageTruthFromTruthFile(im));
  return out;
}

const cocoInstancesSchema = z.object({
  images: z.array(
    z
      .object({ id: z.number(), file_name: z.string(), width: z.number().positive().optional(), height: z.number().positive().optional() })
      .loose(),
  ),
  annotations: z.array(
    z
      .object({ image_id: z.number(), category_id: z.number(), bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional() })
      .loose(),
  ),
  categories: z.array(z.object({ id: z.number(), name: z.string() }).loose()).optional(),
});

/**
 * A COCO instances JSON → truth by file name: the categories of each image's annotations (every image
 * listed, so an image without annotations has no objects). Category names come from the file's own
 * `categories` when present, else from the official id table; unknown ids are an error.
 */
export function truthFromCocoInstances(json: unknown): Map<string, ImageTruth> {
  const parsed = cocoInstancesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`not a COCO instances file at ${issue.path.join('.')}: ${issue.message}`);
  }
  const names = new Map<number, string>();
  for (const c of parsed.data.categories ?? []) names.set(c.id, c.name);
  const byImage = new Map<number, Set<string>>();
  const sizes = new Map<number, { width?: number; height?: number }>();
  const centresByImage = new Map<number, Map<string, Centre[]>>();
  const unboxed = new Set<string>();
  for (const im of parsed.data.images) {
    byImage.set(im.id, new Set());
    sizes.set(im.id, im);
    centresByImage.set(im.id, new Map());
  }
  for (const a of parsed.data.annotations) {
    const name = names.get(a.category_id) ?? cocoCategoryById(a.category_id)?.name;
    if (!name) throw new Error(`COCO instances: annotation with unknown category_id ${a.category_id}`);
    if (!isCocoName(name)) throw new Error(`COCO instances: category "${name}" is not one of the COCO-80 names`);
    const set = byImage.get(a.image_id);
    if (!set) throw new Error(`COCO instances: annotation for image_id ${a.image_id}, which is not in images`);
    set.add(name);
    // COCO boxes every instance, so positions are judged wherever the image's size and the box are given.
    const size = sizes.get(a.image_id)!;
    const centres = centresByImage.get(a.image_id)!;
    if (a.bbox && size.width && size.height) centres.set(name, [...(centres.get(name) ?? []), boxCentre(a.bbox, size.width, size.height)]);
    else unboxed.add(`${a.image_id}:${name}`);
  }
  const out = new Map<string, ImageTruth>();
  for (const im of parsed.data.images) {
    // A class with an annotation lacking a box (or an image without its size) is not judged for position.
    const centres = new Map([...centresByImage.get(im.id)!].filter(([name]) => !unboxed.has(`${im.id}:${name}`)));
    out.set(baseName(im.file_name), { objects: byImage.get(im.id)!, maybe: new Set(), centres });
  }
  return out;
}

export function baseName(path: string): string {
  return path.slice(path.replace(/\\/g, '/').lastIndexOf('/') + 1);
}
