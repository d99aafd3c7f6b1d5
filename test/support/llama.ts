/** Shared by the llama backend's tests: its fuse config, and fusers disposed when their block ends. */
import { after } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import type { Fuser } from '../../experts/fuse/index.ts';

export const llamaFuseConfig = (llama: Record<string, unknown> = {}) => configSchema.parse({ fuse: { backend: 'llama', llama } }).fuse;

/** Call inside a describe block: the returned function keeps each fuser it is given and disposes them all after the block. */
export function disposedAfterBlock(): <F extends Fuser>(fuser: F) => F {
  const fusers: Fuser[] = [];
  after(async () => {
    for (const f of fusers) await f.dispose();
  });
  return (fuser) => {
    fusers.push(fuser);
    return fuser;
  };
}
