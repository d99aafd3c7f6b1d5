"""Retrieval scores for the benchmark (R@1/5/10 are computed in TypeScript): the ITC cosine similarity
of every image with every text, and ITM match probabilities re-ranking each query's ITC top-k, in both
directions — BLIP's retrieval protocol."""

import json
from pathlib import Path

import torch

from .checkpoint import load_model
from .data import load_image, preprocess, read_manifest
from .events import TrainerError, emit


@torch.inference_mode()
def run_score(args) -> None:
    torch.set_num_threads(args.threads)
    if args.k < 1:
        raise TrainerError(f"--k must be at least 1, got {args.k}")
    model, tokenizer, _ = load_model(args.checkpoint)
    manifest = read_manifest(args.manifest)
    if manifest.skipped:
        emit("skipped", total=sum(manifest.skipped.values()), reasons=dict(manifest.skipped), examples=manifest.examples)
    if not manifest.pairs:
        raise TrainerError(f"no usable pairs in {args.manifest}")
    size = model.config.vision_config.image_size
    images = list(dict.fromkeys((p.image_id, p.path) for p in manifest.pairs))
    texts = [(p.image_id, p.caption) for p in manifest.pairs]
    bs = args.batch_size

    embeds, image_feats = [], []
    for s in range(0, len(images), bs):
        e = model.image_embeds(torch.stack([preprocess(load_image(path), size) for _, path in images[s: s + bs]]))
        embeds.append(e)
        image_feats.append(model.image_feat(e))
    image_embeds = torch.cat(embeds)
    image_feat = torch.cat(image_feats)
    text_feats, text_ids, text_masks = [], [], []
    for s in range(0, len(texts), bs):
        ids, mask = tokenizer.encode_batch([c for _, c in texts[s: s + bs]], args.max_tokens, tokenizer.cls_id)
        text_feats.append(model.text_feat(ids, mask))
        text_ids += list(ids)
        text_masks += list(mask)
    text_feat = torch.cat(text_feats)
    sim = image_feat @ text_feat.t()  # images × texts, cosine

    def itm(pairs: list[tuple[int, int]]) -> list[float]:
        scores = []
        for s in range(0, len(pairs), bs):
            chunk = pairs[s: s + bs]
            width = max(int(text_masks[t].sum()) for _, t in chunk)
            ids = torch.stack([text_ids[t][:width] for _, t in chunk]).clone()
            ids[:, 0] = tokenizer.enc_id
            mask = torch.stack([text_masks[t][:width] for _, t in chunk])
            logits = model.itm_logits(ids, mask, image_embeds[[i for i, _ in chunk]])
            scores += torch.softmax(logits.float(), dim=-1)[:, 1].tolist()
        return scores

    k_t = min(args.k, len(texts))
    k_i = min(args.k, len(images))
    i2t_top = sim.topk(k_t, dim=1).indices.tolist()
    t2i_top = sim.t().topk(k_i, dim=1).indices.tolist()
    i2t_itm = itm([(i, t) for i, row in enumerate(i2t_top) for t in row])
    t2i_itm = itm([(i, t) for t, row in enumerate(t2i_top) for i in row])
    result = {
        "checkpoint": str(Path(args.checkpoint).resolve()),
        "images": [{"image_id": i, "path": p} for i, p in images],
        "texts": [{"image_id": i, "caption": c} for i, c in texts],
        "itc": [[round(v, 6) for v in row] for row in sim.tolist()],
        "k": args.k,
        "i2t": [{"image": i, "topk": row, "itm": i2t_itm[i * k_t: (i + 1) * k_t]} for i, row in enumerate(i2t_top)],
        "t2i": [{"text": t, "topk": row, "itm": t2i_itm[t * k_i: (t + 1) * k_i]} for t, row in enumerate(t2i_top)],
        "skipped": dict(manifest.skipped),
    }
    Path(args.out).write_text(json.dumps(result))
    emit("scored", path=str(Path(args.out).resolve()), images=len(images), texts=len(texts), k=args.k)
