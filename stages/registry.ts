/**
 * The one declaration of every per-image stage. Everything else derives from this table: the config's
 * stage names (config/schema.ts), the implementation map (stages/implementations.ts), the activity
 * proxies' queues and timeouts (workflows/proxies.ts), the order of stages in a batch (planStageLevels)
 * and the validation of a stage's stored output when a later stage reads it (stages/upstream.ts).
 *
 * Plain data plus zod schemas, no Node imports: the workflow sandbox imports this file. The
 * implementation is named by module path, not imported, so the workflow bundle never pulls in models.
 */
import { z } from 'zod';
import { attributesOutputSchema, detectOutputSchema, fuseOutputSchema, ocrOutputSchema } from '../experts/schemas.ts';

export type TaskQueueKind = 'io' | 'vision' | 'llm' | 'gpu';

export interface StageSpec {
  queue: TaskQueueKind;
  /** Stages whose outputs this one needs; they run first, and an image they failed is not run here. */
  dependsOn: readonly string[];
  /** Stages whose outputs this one uses when present (an image they failed still runs here); run first too. */
  uses?: readonly string[];
  /** Start-to-close timeout of one batch activity, in seconds (covers model loading on a cold worker). */
  batchTimeoutSeconds: number;
  /** The config section this stage reads (its params hash comes from it), or null. */
  configSection: 'detect' | 'attributes' | 'ocr' | 'fuse' | 'caption' | null;
  /** Module (relative to stages/) and export name of its StageImpl; loaded lazily by stages/implementations.ts. */
  implementation: { module: string; export: string };
  /** Shape of the stored output; a later stage reading it gets it validated against this. */
  output: z.ZodType;
}

const probeOutputSchema = z.object({
  format: z.string(),
  width: z.number(),
  height: z.number(),
  orientation: z.number(),
  channels: z.number(),
  space: z.string(),
  depth: z.string(),
  hasAlpha: z.boolean(),
  bytes: z.number(),
});

const captionOutputSchema = z.object({
  caption: z.string(),
  tokens: z.array(z.number()),
  model: z.object({ id: z.string(), version: z.string() }),
  beams: z.number(),
  maxLength: z.number(),
  prompt: z.string(),
});

export const STAGE_SPECS = {
  probe: {
    queue: 'io',
    dependsOn: [],
    batchTimeoutSeconds: 300,
    configSection: null,
    implementation: { module: './probe.ts', export: 'probeStage' },
    output: probeOutputSchema,
  },
  detect: {
    queue: 'vision',
    dependsOn: ['probe'],
    batchTimeoutSeconds: 900,
    configSection: 'detect',
    implementation: { module: './detect.ts', export: 'detectStage' },
    output: detectOutputSchema,
  },
  attributes: {
    queue: 'vision',
    dependsOn: ['detect'],
    batchTimeoutSeconds: 900,
    configSection: 'attributes',
    implementation: { module: './attributes.ts', export: 'attributesStage' },
    output: attributesOutputSchema,
  },
  ocr: {
    queue: 'vision',
    dependsOn: ['probe'],
    batchTimeoutSeconds: 900,
    configSection: 'ocr',
    implementation: { module: './ocr.ts', export: 'ocrStage' },
    output: ocrOutputSchema,
  },
  fuse: {
    queue: 'llm',
    dependsOn: ['probe'],
    uses: ['detect', 'attributes', 'ocr'],
    batchTimeoutSeconds: 1800,
    configSection: 'fuse',
    implementation: { module: './fuse.ts', export: 'fuseStage' },
    output: fuseOutputSchema,
  },
  caption: {
    queue: 'gpu',
    dependsOn: ['probe'],
    batchTimeoutSeconds: 1800,
    configSection: 'caption',
    implementation: { module: './caption.ts', export: 'captionStage' },
    output: captionOutputSchema,
  },
} as const satisfies Record<string, StageSpec>;

export type StageName = keyof typeof STAGE_SPECS;

/** Every stage name, in declaration order (a non-empty tuple, as z.enum wants). */
export const STAGE_NAMES = Object.keys(STAGE_SPECS) as [StageName, ...StageName[]];

export function isStageName(name: string): name is StageName {
  return Object.hasOwn(STAGE_SPECS, name);
}

/** The spec of a stage, or an error that lists the known stages. */
export function stageSpec(name: string): StageSpec {
  if (!isStageName(name)) throw new Error(`unknown stage "${name}"; known stages: ${STAGE_NAMES.join(', ')}`);
  return STAGE_SPECS[name];
}

/**
 * Orders the requested stages (plus everything they depend on) into levels: every stage of a level
 * depends only on earlier levels, so a level's stages can run concurrently.
 */
export function planStageLevels(requested: readonly string[]): string[][] {
  const needed = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const spec = stageSpec(name);
    if (path.includes(name)) throw new Error(`stage dependency cycle: ${[...path, name].join(' -> ')}`);
    if (needed.has(name)) return;
    for (const dep of prerequisites(spec)) visit(dep, [...path, name]);
    needed.add(name);
  };
  for (const name of requested) visit(name, []);
  const levels: string[][] = [];
  const placed = new Map<string, number>();
  for (const name of needed) {
    // `needed` is in dependency-first order, so every dependency is already placed.
    const level = Math.max(-1, ...prerequisites(stageSpec(name)).map((d) => placed.get(d) ?? -1)) + 1;
    placed.set(name, level);
    (levels[level] ??= []).push(name);
  }
  return levels;
}

/** Every stage that must run before this one in a batch: the ones it needs and the ones it uses. */
export function prerequisites(spec: StageSpec): readonly string[] {
  return [...spec.dependsOn, ...(spec.uses ?? [])];
}
