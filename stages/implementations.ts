/**
 * Stage name → implementation, for the batch activity. Node-only (experts load models); the workflow side
 * sees only stages/registry.ts. Implementations are imported lazily so a worker that serves only the io
 * queue never loads vision or ML packages.
 */
import type { StageImpl } from './types.ts';

const loaders: Record<string, () => Promise<StageImpl>> = {
  probe: async () => (await import('./probe.ts')).probeStage as StageImpl,
  detect: async () => (await import('./detect.ts')).detectStage as StageImpl,
  attributes: async () => (await import('./attributes.ts')).attributesStage as StageImpl,
  ocr: async () => (await import('./ocr.ts')).ocrStage as StageImpl,
  fuse: async () => (await import('./fuse.ts')).fuseStage as StageImpl,
  caption: async () => (await import('./caption.ts')).captionStage as StageImpl,
};

const cache = new Map<string, Promise<StageImpl>>();

export function knownStageImplementations(): string[] {
  return Object.keys(loaders);
}

export function stageImplementation(name: string): Promise<StageImpl> {
  const load = loaders[name];
  if (!load) {
    return Promise.reject(new Error(`no implementation for stage "${name}"; implemented: ${Object.keys(loaders).join(', ')}`));
  }
  let impl = cache.get(name);
  if (!impl) {
    impl = load();
    cache.set(name, impl);
  }
  return impl;
}
