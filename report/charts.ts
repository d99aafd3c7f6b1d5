/**
 * Inline SVG bar charts: one group of bars per metric, one bar per caption source. Each metric is scaled
 * to its own maximum because metrics live on different scales (BLEU ≤ 1, CIDEr up to ~10, R@K ≤ 100).
 */
import { esc, fmt } from './escape.ts';
import type { CaptionSource, MetricRow } from './types.ts';

export const SOURCE_COLORS: Record<CaptionSource, string> = { original: '#8c8c8c', fused: '#2f7ed8', generated: '#e4572e' };
const SOURCES: CaptionSource[] = ['original', 'fused', 'generated'];

export function metricBarChart(rows: readonly MetricRow[], title: string): string {
  const names = [...new Set(rows.map((r) => r.name))];
  const barH = 14;
  const groupGap = 10;
  const labelW = 110;
  const plotW = 360;
  const valueW = 70;
  const groups = names.map((name) => ({
    name,
    bars: SOURCES.map((s) => rows.find((r) => r.name === name && r.captionSource === s)).filter((r): r is MetricRow => Boolean(r)),
  }));
  const height = groups.reduce((h, g) => h + Math.max(1, g.bars.length) * barH + groupGap, 24);
  let y = 24;
  const parts: string[] = [];
  for (const g of groups) {
    const max = Math.max(0, ...g.bars.map((b) => b.value ?? 0));
    parts.push(`<text x="0" y="${y + barH - 3}" class="chart-label">${esc(g.name)}</text>`);
    for (const b of g.bars) {
      const w = b.value !== null && max > 0 ? Math.max(1, (b.value / max) * plotW) : 0;
      parts.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${SOURCE_COLORS[b.captionSource]}"><title>${esc(`${b.name} · ${b.captionSource}: ${fmt(b.value)}`)}</title></rect>`,
        `<text x="${labelW + w + 4}" y="${y + barH - 4}" class="chart-value">${esc(b.value === null ? 'unavailable' : fmt(b.value))}</text>`,
      );
      y += barH;
    }
    if (g.bars.length === 0) y += barH;
    y += groupGap;
  }
  const width = labelW + plotW + valueW;
  return `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><text x="0" y="14" class="chart-title">${esc(title)}</text>${parts.join('')}</svg>`;
}
