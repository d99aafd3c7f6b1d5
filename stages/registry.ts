/**
 * What the workflows know about stages: plain data, no Node imports, safe inside the workflow sandbox.
 * Registering a new per-image stage = one entry here + its implementation in stages/implementations.ts.
 */
export type TaskQueueKind = 'io' | 'vision' | 'llm' | 'gpu';

export interface StageSpec {
  queue: TaskQueueKind;
  /** Stages whose outputs this one needs; they run first, and an image they failed is not run here. */
  dependsOn: readonly string[];
  /** Stages whose outputs this one uses when present (an image they failed still runs here); run first too. */
  uses?: readonly string[];
  /** Start-to-close timeout of one batch activity, in seconds (covers model loading on a cold worker). */
  batchTimeoutSeconds: number;
}

export const STAGE_SPECS: Readonly<Record<string, StageSpec>> = {
  probe: { queue: 'io', dependsOn: [], batchTimeoutSeconds: 300 },
  detect: { queue: 'vision', dependsOn: ['probe'], batchTimeoutSeconds: 900 },
  attributes: { queue: 'vision', dependsOn: ['detect'], batchTimeoutSeconds: 900 },
  ocr: { queue: 'vision', dependsOn: ['probe'], batchTimeoutSeconds: 900 },
  fuse: { queue: 'llm', dependsOn: ['probe'], uses: ['detect', 'attributes', 'ocr'], batchTimeoutSeconds: 1800 },
  caption: { queue: 'gpu', dependsOn: ['probe'], batchTimeoutSeconds: 1800 },
};

/**
 * Orders the requested stages (plus everything they depend on) into levels: every stage of a level
 * depends only on earlier levels, so a level's stages can run concurrently.
 */
export function planStageLevels(requested: readonly string[]): string[][] {
  const needed = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const spec = STAGE_SPECS[name];
    if (!spec) throw new Error(`unknown stage "${name}"; known stages: ${Object.keys(STAGE_SPECS).join(', ')}`);
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
    const level = Math.max(-1, ...prerequisites(STAGE_SPECS[name]).map((d) => placed.get(d) ?? -1)) + 1;
    placed.set(name, level);
    (levels[level] ??= []).push(name);
  }
  return levels;
}

/** Every stage that must run before this one in a batch: the ones it needs and the ones it uses. */
export function prerequisites(spec: StageSpec): readonly string[] {
  return [...spec.dependsOn, ...(spec.uses ?? [])];
}
