/**
 * Adapts the JSON that `python -m fusecap_trainer score` writes (trainer/fusecap_trainer/score.py) to the
 * RetrievalScores that retrievalRecall reads. Texts are numbered in manifest order; each names its image.
 */
import type { RetrievalScores } from './retrieval.ts';

export interface TrainerScoreFile {
  images: { image_id: string; path: string }[];
  texts: { image_id: string; caption: string }[];
  itc: number[][];
  k: number;
  i2t: { image: number; topk: number[]; itm: number[] }[];
  t2i: { text: number; topk: number[]; itm: number[] }[];
}

export function retrievalScoresFromTrainer(file: TrainerScoreFile): RetrievalScores {
  const imageIndex = new Map(file.images.map((img, i) => [img.image_id, i]));
  const textToImage = file.texts.map((t, j) => {
    const i = imageIndex.get(t.image_id);
    if (i === undefined) throw new Error(`score file: text ${j} names image ${t.image_id}, which is not among its images`);
    return i;
  });
  return {
    imageIds: file.images.map((img) => img.image_id),
    textIds: file.texts.map((t, j) => `${t.image_id}#${j}`),
    textToImage,
    itc: file.itc,
    k: file.k,
    itmImageToText: [...file.i2t].sort((a, b) => a.image - b.image).map((r) => ({ indices: r.topk, itm: r.itm })),
    itmTextToImage: [...file.t2i].sort((a, b) => a.text - b.text).map((r) => ({ indices: r.topk, itm: r.itm })),
  };
}
