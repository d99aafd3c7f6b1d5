"""Caption generation in PyTorch: the reference the ONNX captioner is checked against (same decoding
rules, decoding.py) and the baseline of bench/caption.ts. `--impl hf` runs HF transformers' own
`generate` (with its KV cache) on the decoder instead, as BlipForConditionalGeneration does."""

import json
import time
from pathlib import Path

import numpy as np
import torch

from .checkpoint import load_model
from .data import load_image, preprocess
from .decoding import beam_search, greedy
from .events import TrainerError


def load_pixels(args, image_size: int) -> torch.Tensor:
    """From image files (trainer pre-processing) or from a raw float32 file [N, 3, S, S] (the Node
    captioner's own pre-processing, for checking the model half of parity on identical inputs)."""
    if args.pixels:
        raw = np.fromfile(args.pixels, dtype=np.float32)
        per_image = 3 * image_size * image_size
        if raw.size == 0 or raw.size % per_image:
            raise TrainerError(f"{args.pixels} holds {raw.size} floats, not a multiple of 3×{image_size}×{image_size}")
        return torch.from_numpy(raw.reshape(-1, 3, image_size, image_size).copy())
    missing = [p for p in args.images if not Path(p).is_file()]
    if missing:
        raise TrainerError(f"image not found: {', '.join(missing)}")
    return torch.stack([preprocess(load_image(p), image_size) for p in args.images])


@torch.inference_mode()
def captions(model, tokenizer, pixel_values: torch.Tensor, prompt: str, beams: int, max_new: int, impl: str = "own") -> list[list[int]]:
    image_embeds = model.image_embeds(pixel_values)
    prompt_ids = tokenizer.prompt_ids(prompt)
    # Never past the position embeddings (the Node captioner clamps the same way).
    max_new = min(max_new, model.config.text_config.max_position_embeddings - len(prompt_ids))
    if impl == "hf":
        return _hf_generate(model, tokenizer, image_embeds, prompt_ids, beams, max_new)

    def next_logits(ids: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return model.decoder_logits(ids, torch.ones_like(ids), image_embeds[rows])[:, -1, :]

    if beams == 1:
        return greedy(next_logits, len(pixel_values), prompt_ids, tokenizer.sep_id, max_new)
    return beam_search(next_logits, len(pixel_values), prompt_ids, tokenizer.sep_id, max_new, beams)


def _hf_generate(model, tokenizer, image_embeds, prompt_ids, beams, max_new) -> list[list[int]]:
    n = len(image_embeds)
    ids = torch.tensor([prompt_ids] * n, dtype=torch.long)
    out = model.text_decoder.generate(
        input_ids=ids, attention_mask=torch.ones_like(ids), encoder_hidden_states=image_embeds,
        encoder_attention_mask=torch.ones(image_embeds.shape[:-1], dtype=torch.long),
        max_new_tokens=max_new, num_beams=beams, do_sample=False, eos_token_id=tokenizer.sep_id,
        pad_token_id=tokenizer.pad_id, bos_token_id=tokenizer.dec_id,
    )
    result = []
    for row in out.tolist():
        tokens = row[len(prompt_ids):]
        if tokenizer.sep_id in tokens:
            tokens = tokens[: tokens.index(tokenizer.sep_id)]
        result.append([t for t in tokens if t != tokenizer.pad_id])
    return result


def run_generate(args) -> None:
    if args.beams < 1 or args.max_length < 1 or args.batch_size < 1:
        raise TrainerError(f"--beams, --max-length and --batch-size must be at least 1 (got {args.beams}, "
                           f"{args.max_length}, {args.batch_size})")
    torch.set_num_threads(args.threads)
    model, tokenizer, _ = load_model(args.checkpoint)
    pixel_values = load_pixels(args, model.config.vision_config.image_size)
    if args.dump_pixels:
        pixel_values.numpy().astype("float32").tofile(args.dump_pixels)
    runs = []
    for _ in range(max(1, args.repeat)):  # repeats time the same work; the first one warms up
        started = time.perf_counter()
        token_lists = []
        for start in range(0, len(pixel_values), args.batch_size):
            token_lists += captions(model, tokenizer, pixel_values[start: start + args.batch_size], args.prompt,
                                    args.beams, args.max_length, args.impl)
        runs.append(time.perf_counter() - started)
    elapsed = runs[-1]
    print(json.dumps({
        "tokens": token_lists,
        "captions": [tokenizer.decode(t) for t in token_lists],
        "seconds": elapsed,
        "runs_seconds": runs,
        "images": len(pixel_values),
        "beams": args.beams,
        "impl": args.impl,
        "threads": args.threads,
    }))
