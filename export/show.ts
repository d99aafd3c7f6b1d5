/**
 * `fusecap show IMAGE`: everything fusecap knows about one image — where it came from, its captions with
 * their producers, every stage result (outputs and errors) with model, version and run, and the runs
 * behind them. Plain data (for --json) plus a text rendering.
 */
import type { Db } from '../db/client.ts';
import { captionsOfImages, findImagesByRef, runsById, stageResultsOfImages } from '../db/queries/index.ts';

export interface ImageDetail {
  image: {
    id: string;
    dataset: string;
    path: string;
    origin: unknown;
    sha256: string;
    bytes: number;
    format: string | null;
    width: number | null;
    height: number | null;
    split: string | null;
    seq: number;
    addedAt: string;
  };
  captions: { source: string; text: string; ordinal: number; model: string; version: string; paramsHash: string; runId: string | null }[];
  stages: {
    stage: string;
    model: string;
    version: string;
    paramsHash: string;
    runId: string | null;
    durationMs: number;
    createdAt: string;
    output: unknown;
    errorCode: string | null;
    error: string | null;
  }[];
  runs: { id: string; kind: string; status: string; startedAt: string; finishedAt: string | null }[];
}

export interface ShowResult {
  ref: string;
  matches: ImageDetail[];
}

export async function showImage(db: Db, { ref, datasetId }: { ref: string; datasetId?: string }): Promise<ShowResult> {
  const found = await findImagesByRef(db, { ref, datasetId });
  const ids = found.map((i) => i.id);
  const [caps, results] = await Promise.all([
    captionsOfImages(db, { imageIds: ids }),
    stageResultsOfImages(db, { imageIds: ids, withErrors: true }),
  ]);
  const runIds = new Set<string>();
  for (const r of [...caps, ...results]) if (r.runId) runIds.add(r.runId);
  const runs = await runsById(db, { ids: [...runIds] });
  const matches = found.map((image) => {
    const mine = results.filter((r) => r.imageId === image.id);
    const myRuns = new Set([...caps.filter((c) => c.imageId === image.id), ...mine].map((r) => r.runId));
    return {
      image: {
        id: image.id,
        dataset: image.datasetId,
        path: image.path,
        origin: image.origin,
        sha256: image.sha256,
        bytes: image.bytes,
        format: image.format,
        width: image.width,
        height: image.height,
        split: image.split,
        seq: image.seq,
        addedAt: image.addedAt.toISOString(),
      },
      captions: caps
        .filter((c) => c.imageId === image.id)
        .map((c) => ({
          source: c.source,
          text: c.text,
          ordinal: c.ordinal,
          model: c.modelId,
          version: c.modelVersion,
          paramsHash: c.paramsHash,
          runId: c.runId,
        })),
      stages: mine.map((r) => ({
        stage: r.stage,
        model: r.modelId,
        version: r.modelVersion,
        paramsHash: r.paramsHash,
        runId: r.runId,
        durationMs: r.durationMs,
        createdAt: r.createdAt.toISOString(),
        output: r.output,
        errorCode: r.errorCode,
        error: r.error,
      })),
      runs: runs
        .filter((r) => myRuns.has(r.id))
        .map((r) => ({
          id: r.id,
          kind: r.kind,
          status: r.status,
          startedAt: r.startedAt.toISOString(),
          finishedAt: r.finishedAt?.toISOString() ?? null,
        })),
    };
  });
  return { ref, matches };
}

/** One line per fact, outputs summarised (full outputs are in --json). */
export function formatImageDetail(d: ImageDetail): string {
  const i = d.image;
  const lines = [
    `image ${i.id}  (dataset ${i.dataset}, seq ${i.seq})`,
    `  path     ${i.path}`,
    ...(i.origin ? [`  origin   ${JSON.stringify(i.origin)}`] : []),
    `  sha256   ${i.sha256}`,
    `  size     ${i.width ?? '?'}×${i.height ?? '?'} ${i.format ?? '(not probed)'}, ${i.bytes} bytes${i.split ? `, split ${i.split}` : ''}`,
    'captions',
    ...d.captions.map((c) => `  [${c.source}${c.model ? ` ${c.model}@${c.version}` : ''}${c.runId ? ` run ${c.runId}` : ''}] ${c.text}`),
    'stages',
    ...d.stages.map((s) => {
      const head = `  ${s.stage.padEnd(10)} ${s.model}@${s.version} params ${s.paramsHash}${s.runId ? ` run ${s.runId}` : ''} ${s.durationMs} ms`;
      return s.errorCode ? `${head}\n    ERROR ${s.errorCode}: ${s.error}` : `${head}\n    ${summarise(s.stage, s.output)}`;
    }),
  ];
  if (d.runs.length) lines.push('runs', ...d.runs.map((r) => `  ${r.id} ${r.kind} ${r.status} started ${r.startedAt}`));
  return lines.join('\n');
}

function summarise(stage: string, output: unknown): string {
  const o = output as Record<string, unknown>;
  if (stage === 'detect' && Array.isArray(o?.objects)) {
    return `objects: ${(o.objects as { label: string; score: number }[]).map((x) => `${x.label} ${x.score.toFixed(2)}`).join(', ') || '(none)'}`;
  }
  if (stage === 'attributes' && Array.isArray(o?.objects)) {
    const parts = (o.objects as { label: string; colors: { name: string }[]; size: string }[]).map(
      (x) => `${x.colors.map((c) => c.name).join('/') || '-'} ${x.size} ${x.label}`,
    );
    return `attributes: ${parts.join('; ') || '(none)'}`;
  }
  if (stage === 'ocr' && Array.isArray(o?.lines)) {
    return `text: ${(o.lines as { text: string }[]).map((l) => JSON.stringify(l.text)).join(', ') || '(none)'}`;
  }
  if (stage === 'fuse' && typeof o?.caption === 'string') {
    const g = o.grounding as { score: number; claims: number; ungrounded: { claim: string }[] };
    return `"${o.caption}" — ${o.decision}, grounding ${g.score.toFixed(2)} over ${g.claims} claims${g.ungrounded.length ? `, ungrounded: ${g.ungrounded.map((u) => u.claim).join(', ')}` : ''}, template ${o.template}`;
  }
  const text = JSON.stringify(output);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
