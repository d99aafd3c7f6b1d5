/** Text rendering of run progress for `fusecap status` and `fusecap run`. */
import type { StageTotals } from '../workflows/enrich.ts';

export function bar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

export function renderTotals(totals: Record<string, StageTotals>, imagesPlanned: number, stages: string[][]): string {
  const lines: string[] = [];
  for (const stage of stages.flat()) {
    const t = totals[stage] ?? { images: 0, processed: 0, skipped: 0, failed: 0, errorsByCode: {}, workMs: 0, activityMs: 0 };
    const done = t.processed + t.skipped + t.failed;
    const errors = Object.entries(t.errorsByCode)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    lines.push(
      `  ${stage.padEnd(11)} ${bar(done, imagesPlanned)}  ${done}/${imagesPlanned}  new ${t.processed}  cached ${t.skipped}  failed ${t.failed}${errors ? `  (${errors})` : ''}`,
    );
  }
  return lines.join('\n');
}
