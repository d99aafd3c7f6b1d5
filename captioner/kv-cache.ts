/**
 * The KV-cached decoder of an export (decoder_cross_kv.onnx + decoder_step.onnx, see
 * trainer/fusecap_trainer/cached_decoder.py) behind decode.ts's NextLogits: each call feeds only the
 * tokens the cache has not seen, reorders the cache by `parents` (beam search, finished greedy rows),
 * and keeps the cross-attention keys/values of each image, computed once per batch.
 */
import * as ort from 'onnxruntime-node';
import type { NextLogits } from './decode.ts';

export interface KvCacheLayout {
  layers: number;
  heads: number;
  head_dim: number;
  image_tokens: number;
}

type Tensors = Float32Array[];

/** Rows of a [R, ...] tensor picked by index: out[r] = data[picks[r]]. */
function gatherRows(data: Float32Array, rowSize: number, picks: readonly number[]): Float32Array {
  const out = new Float32Array(picks.length * rowSize);
  picks.forEach((p, r) => out.set(data.subarray(p * rowSize, (p + 1) * rowSize), r * rowSize));
  return out;
}

function isIdentity(picks: readonly number[], previousRows: number): boolean {
  return picks.length === previousRows && picks.every((p, r) => p === r);
}

export async function cachedNextLogits(
  crossSession: ort.InferenceSession,
  stepSession: ort.InferenceSession,
  layout: KvCacheLayout,
  imageEmbeds: ort.Tensor,
): Promise<NextLogits> {
  const { layers, heads, head_dim: headDim } = layout;
  const images = imageEmbeds.dims[0] as number;
  const crossOut = await crossSession.run({ encoder_hidden_states: imageEmbeds });
  const crossNames = Array.from({ length: layers }, (_, i) => [`cross_key_${i}`, `cross_value_${i}`]).flat();
  const crossPerImage = crossNames.map((n) => crossOut[n].data as Float32Array);
  const crossRowSize = heads * (crossOut[crossNames[0]].dims[2] as number) * headDim;
  const crossDims = crossOut[crossNames[0]].dims.slice(1) as number[];
  let crossFor: { key: string; feeds: Record<string, ort.Tensor> } | null = null;
  let past: { tensors: Tensors; rows: number; length: number } | null = null;

  return async (ids, rows, parents) => {
    const r = ids.length;
    // Cross keys/values for these rows; rebuilt only when the rows' images change.
    const rowsKey = rows.join(',');
    if (crossFor?.key !== rowsKey) {
      const identity = rows.length === images && rows.every((img, i) => img === i);
      const feeds: Record<string, ort.Tensor> = {};
      crossNames.forEach((name, j) => {
        const data = identity ? crossPerImage[j] : gatherRows(crossPerImage[j], crossRowSize, rows);
        feeds[name] = new ort.Tensor('float32', data, [r, ...crossDims]);
      });
      crossFor = { key: rowsKey, feeds };
    }
    let pastLength = 0;
    let pastTensors: Tensors;
    if (parents === null || past === null) {
      pastTensors = Array.from({ length: 2 * layers }, () => new Float32Array(0));
    } else {
      pastLength = past.length;
      const rowSize = heads * pastLength * headDim;
      const prev = past;
      pastTensors = isIdentity(parents, prev.rows) ? prev.tensors : prev.tensors.map((t) => gatherRows(t, rowSize, parents));
    }
    const newTokens = ids[0].length - pastLength;
    const inputIds = new BigInt64Array(r * newTokens);
    ids.forEach((seq, i) => {
      if (seq.length - pastLength !== newTokens) throw new Error('sequences of one call must have equal lengths');
      for (let j = 0; j < newTokens; j++) inputIds[i * newTokens + j] = BigInt(seq[pastLength + j]);
    });
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', inputIds, [r, newTokens]), ...crossFor.feeds };
    for (let i = 0; i < layers; i++) {
      feeds[`past_key_${i}`] = new ort.Tensor('float32', pastTensors[2 * i], [r, heads, pastLength, headDim]);
      feeds[`past_value_${i}`] = new ort.Tensor('float32', pastTensors[2 * i + 1], [r, heads, pastLength, headDim]);
    }
    const out = await stepSession.run(feeds);
    const presents: Tensors = [];
    for (let i = 0; i < layers; i++)
      presents.push(out[`present_key_${i}`].data as Float32Array, out[`present_value_${i}`].data as Float32Array);
    past = { tensors: presents, rows: r, length: pastLength + newTokens };
    return { data: out.logits.data as Float32Array, vocab: out.logits.dims[1] as number };
  };
}
