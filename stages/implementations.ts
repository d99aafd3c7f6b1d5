/**
 * Stage name → implementation, for the batch activity. Node-only (experts load models); the workflow side
 * sees only stages/registry.ts. Each implementation is imported lazily from the module its registry entry
 * names, so a worker that serves only the io queue never loads vision or ML packages.
 */
import { stageSpec } from './registry.ts';
import type { StageImpl } from './types.ts';

const cache = new Map<string, Promise<StageImpl>>();

export function stageImplementation(name: string): Promise<StageImpl> {
  let impl = cache.get(name);
  if (!impl) {
    impl = load(name);
    cache.set(name, impl);
    impl.catch(() => cache.delete(name));
  }
  return impl;
}

async function load(name: string): Promise<StageImpl> {
  const { module, export: exported } = stageSpec(name).implementation;
  const loaded = (await import(new URL(module, import.meta.url).href)) as Record<string, unknown>;
  const impl = loaded[exported] as StageImpl | undefined;
  if (!impl || typeof impl.run !== 'function' || impl.name !== name) {
    throw new Error(`stages/${module} does not export "${exported}" as the StageImpl of stage "${name}"`);
  }
  return impl;
}
