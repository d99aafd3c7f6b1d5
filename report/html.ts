/**
 * One self-contained HTML report: metric tables (original vs fused vs generated captions), enrichment
 * and ablation tables, inline SVG bar charts, and a gallery of images with detector boxes over
 * thumbnails and the captions side by side. Nothing is loaded from outside the file: images are data:
 * URLs (report/build.ts makes them) and a Content-Security-Policy forbids any other source, so a
 * stray external reference shows up as a console error instead of a silent network request.
 */
import { metricBarChart, SOURCE_COLORS } from './charts.ts';
import { esc, fmt } from './escape.ts';
import type { CaptionSource, GalleryItem, MetricRow, ReportData, ReportEnrichment } from './types.ts';

const SOURCES: CaptionSource[] = ['original', 'fused', 'generated'];

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f5f5f5}td.name,th.name{text-align:left}td.na{color:#999;font-style:italic}
.meta{color:#555}.meta dt{font-weight:600;float:left;clear:left;width:160px}.meta dd{margin:0 0 2px 170px}
.chart-title{font-weight:600;font-size:13px}.chart-label,.chart-value{font-size:11px;fill:#333}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px;display:flex;gap:12px}
.pic{position:relative;flex:none}.pic img{display:block}.pic svg{position:absolute;left:0;top:0}
.pic .noimg{background:#eee;color:#777;display:flex;align-items:center;justify-content:center}
.caps{flex:1;min-width:0}.caps p{margin:2px 0 8px}.caps .src{font-size:11px;text-transform:uppercase;color:#777;letter-spacing:.04em}
.box{fill:none}.boxlabel{font-weight:600;paint-order:stroke;stroke:#fff;stroke-opacity:.7}
`;

function metricTables(metrics: readonly MetricRow[]): string {
  const splits = [...new Set(metrics.map((m) => m.split))];
  return splits
    .map((split) => {
      const rows = metrics.filter((m) => m.split === split);
      const names = [...new Set(rows.map((r) => r.name))];
      const sources = SOURCES.filter((s) => rows.some((r) => r.captionSource === s));
      const body = names
        .map((name) => {
          const cells = sources.map((s) => {
            const r = rows.find((x) => x.name === name && x.captionSource === s);
            const attrs = `data-metric="${esc(name)}" data-source="${esc(s)}" data-split="${esc(split)}"`;
            if (!r) return `<td class="na" ${attrs}>—</td>`;
            if (r.value === null) return `<td class="na" ${attrs} title="${esc(r.note ?? '')}">unavailable</td>`;
            return `<td ${attrs} data-value="${esc(r.value)}"${r.note ? ` title="${esc(r.note)}"` : ''}>${esc(fmt(r.value))}</td>`;
          });
          return `<tr><td class="name">${esc(name)}</td>${cells.join('')}</tr>`;
        })
        .join('');
      const notes = rows
        .filter((r) => r.value === null && r.note)
        .map((r) => `<li>${esc(`${r.name} (${r.captionSource}): ${r.note}`)}</li>`);
      return (
        `<h3>Split: ${esc(split)}</h3>` +
        `<table class="metrics" data-split="${esc(split)}"><thead><tr><th class="name">metric</th>${sources.map((s) => `<th>${esc(s)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>` +
        (notes.length ? `<ul class="notes">${[...new Set(notes)].join('')}</ul>` : '') +
        metricBarChart(rows, `${split}: metrics by caption source`)
      );
    })
    .join('');
}

function enrichmentSection(e: ReportEnrichment): string {
  const statRow = (
    label: string,
    s: { captions: number; meanWords: number; meanNouns: number; meanAttributes: number; meanOcrTokens: number },
  ) =>
    `<tr><td class="name">${esc(label)}</td><td>${esc(s.captions)}</td><td>${fmt(s.meanWords, 2)}</td><td>${fmt(s.meanNouns, 2)}</td><td>${fmt(s.meanAttributes, 2)}</td><td>${fmt(s.meanOcrTokens, 2)}</td></tr>`;
  const head = '<tr><th class="name">captions</th><th>n</th><th>words</th><th>nouns</th><th>attributes</th><th>OCR tokens</th></tr>';
  const summary = `<table class="enrichment"><thead>${head}</thead><tbody>${statRow('original', e.original)}${e.fused ? statRow('fused', e.fused) : ''}</tbody></table>`;
  const pct = (x: number) => `${fmt(100 * x, 1)}%`;
  const ablHead =
    '<tr><th class="name">experts</th><th>n</th><th>words</th><th>nouns</th><th>attributes</th><th>OCR tokens</th><th>objects added</th><th>attributes added</th><th>OCR added</th><th>grounding</th><th>kept / flagged / fallback</th></tr>';
  const ablRows = e.ablations
    .map(
      (r) =>
        `<tr data-ablation="${esc(r.label)}"><td class="name">${esc(r.label)}</td><td>${esc(r.captions)}</td><td>${fmt(r.meanWords, 2)}</td><td>${fmt(r.meanNouns, 2)}</td><td>${fmt(r.meanAttributes, 2)}</td><td>${fmt(r.meanOcrTokens, 2)}</td>` +
        `<td>${pct(r.contribution.objects)}</td><td>${pct(r.contribution.attributes)}</td><td>${pct(r.contribution.ocr)}</td><td>${pct(r.groundingRate)}</td>` +
        `<td>${pct(r.decisions.kept)} / ${pct(r.decisions.flagged)} / ${pct(r.decisions.fallback)}</td></tr>`,
    )
    .join('');
  return (
    `<h2>Enrichment</h2>${summary}` +
    (e.ablations.length ? `<h3>Ablations</h3><table class="ablations"><thead>${ablHead}</thead><tbody>${ablRows}</tbody></table>` : '')
  );
}

const BOX_COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c'];

function galleryCard(item: GalleryItem, index: number): string {
  const t = item.thumbnail;
  const dispW = t?.width ?? 240;
  const dispH = t?.height ?? Math.round((240 * item.height) / Math.max(1, item.width));
  const img = t
    ? `<img src="${esc(t.dataUrl)}" width="${t.width}" height="${t.height}" alt="${esc(item.imageId ?? item.imagePath)}">`
    : `<div class="noimg" style="width:${dispW}px;height:${dispH}px">no thumbnail</div>`;
  // Boxes are in the upright image's pixels; the SVG's viewBox is that pixel grid, stretched over the
  // thumbnail, so no coordinate is converted by hand.
  let overlay = '';
  const det = item.detect;
  if (det && det.objects.length > 0) {
    const vw = det.imageWidth || item.width;
    const vh = det.imageHeight || item.height;
    const stroke = Math.max(vw, vh) / Math.max(dispW, dispH); // ≈ 1 display pixel in image units
    const boxes = det.objects
      .map((o, k) => {
        const c = BOX_COLORS[k % BOX_COLORS.length];
        const b = o.box;
        return (
          `<rect class="box" data-label="${esc(o.label)}" x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" stroke="${c}" stroke-width="${(2 * stroke).toFixed(2)}"><title>${esc(`${o.label} ${o.score.toFixed(2)}`)}</title></rect>` +
          `<text class="boxlabel" x="${b.x + 2 * stroke}" y="${b.y + 13 * stroke}" fill="${c}" font-size="${(12 * stroke).toFixed(1)}" stroke-width="${(2 * stroke).toFixed(2)}">${esc(`${o.label} ${o.score.toFixed(2)}`)}</text>`
        );
      })
      .join('');
    overlay = `<svg viewBox="0 0 ${vw} ${vh}" width="${dispW}" height="${dispH}" preserveAspectRatio="none">${boxes}</svg>`;
  }
  const caption = (src: CaptionSource, texts: string[]) =>
    texts.length === 0
      ? ''
      : `<div class="src" style="color:${SOURCE_COLORS[src]}">${src}</div>${texts.map((c) => `<p data-caption="${src}">${esc(c)}</p>`).join('')}`;
  return (
    `<div class="card" data-index="${index}"><div class="pic" style="width:${dispW}px;height:${dispH}px">${img}${overlay}</div>` +
    `<div class="caps"><div class="src">${esc(item.imageId ?? item.imagePath)}</div>` +
    caption('original', item.captions.original) +
    caption('fused', item.captions.fused !== undefined ? [item.captions.fused] : []) +
    (item.captions.alternative
      ? `<div class="src">${esc(item.captions.alternative.label)}</div><p data-caption="alternative">${esc(item.captions.alternative.text)}</p>`
      : '') +
    caption('generated', item.captions.generated !== undefined ? [item.captions.generated] : []) +
    `</div></div>`
  );
}

export function renderReport(data: ReportData): string {
  const r = data.run;
  const details = Object.entries(r.details ?? {})
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const legend = `<p class="legend">${SOURCES.map((s) => `<span><i style="background:${SOURCE_COLORS[s]}"></i>${s}</span>`).join('')}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(r.title)}</h1>
<dl class="meta"><dt>run</dt><dd>${esc(r.runId)}</dd><dt>created</dt><dd>${esc(r.createdAt)}</dd>${r.dataset ? `<dt>dataset</dt><dd>${esc(r.dataset)}</dd>` : ''}${details}</dl>
${(r.notes ?? []).length ? `<ul class="notes">${r.notes!.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<h2>Metrics</h2>${legend}
${data.metrics.length ? metricTables(data.metrics) : '<p>No metrics recorded.</p>'}
${data.enrichment ? enrichmentSection(data.enrichment) : ''}
<h2>Gallery</h2>
<div class="gallery">${data.gallery.map(galleryCard).join('')}</div>
</body></html>
`;
}
