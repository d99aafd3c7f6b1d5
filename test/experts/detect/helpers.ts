import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectOutput } from '../../../experts/types.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SAMPLE = (name: string) => path.join(ROOT, 'data/sample/images', name);

export function labelsOf(out: DetectOutput): string[] {
  return out.objects.map((o) => o.label);
}

export function countOf(out: DetectOutput, label: string): number {
  return out.objects.filter((o) => o.label === label).length;
}
