"""ONNX export for the Node captioner (captioner/onnx-captioner.ts):

  vision_encoder.onnx  pixel_values float32 [B, 3, S, S] -> image_embeds float32 [B, N, H]
  text_decoder.onnx    input_ids int64 [B, T], attention_mask int64 [B, T],
                       encoder_hidden_states float32 [B, N, H] -> logits float32 [B, V] (last position only:
                       decoding needs nothing else, and [B, T, V] would be copied out every step)
  tokenizer.json       the checkpoint's WordPiece tokenizer
  decoder_cross_kv.onnx  encoder_hidden_states -> cross_key_i, cross_value_i [B, h, P, d] per layer i
  decoder_step.onnx    input_ids [B, t] + past_key_i, past_value_i [B, h, T, d] (T may be 0) + the cross
                       keys/values -> logits [B, V] + present_key_i, present_value_i [B, h, T + t, d]
                       (cached_decoder.py): the captioner's default, O(T) per step instead of O(T²)
  export.json          pre-processing, special token ids, opset, cache layout, checksums, and the
                       measured ONNX-vs-PyTorch difference on probe inputs
"""

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .cached_decoder import CrossKV, DecoderStep
from .checkpoint import MODEL_FILE, load_model, sha256_file
from .presets import IMAGE_MEAN, IMAGE_STD

OPSET = 17
EXPORT_FORMAT = 1


class VisionEncoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.image_embeds(pixel_values)


class TextDecoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, encoder_hidden_states):
        return self.model.decoder_logits(input_ids, attention_mask, encoder_hidden_states)[:, -1, :]


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], axes: dict) -> None:
    # The TorchScript exporter: the dynamo one needs onnxscript, which the GPU image does not ship.
    torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, dynamo=False, do_constant_folding=True)


def run_export(args) -> dict:
    torch.set_num_threads(args.threads)
    model, tokenizer, state = load_model(args.checkpoint)
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    size = model.config.vision_config.image_size
    pixels = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        embeds = model.image_embeds(pixels)
        ids = torch.tensor([tokenizer.prompt_ids("a picture of")] * 2)
        mask = torch.ones_like(ids)
        logits = TextDecoder(model)(ids, mask, embeds)
    _export(VisionEncoder(model), (pixels,), tmp / "vision_encoder.onnx", ["pixel_values"], ["image_embeds"],
            {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}})
    _export(TextDecoder(model), (ids, mask, embeds), tmp / "text_decoder.onnx",
            ["input_ids", "attention_mask", "encoder_hidden_states"], ["logits"],
            {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
             "encoder_hidden_states": {0: "batch"}, "logits": {0: "batch"}})
    cache_meta = _export_cached_decoder(model, embeds, ids, tmp)
    tokenizer.save(tmp)

    check = _check_with_onnxruntime(tmp, model, pixels, embeds, ids, mask, logits)
    check.update(_check_cached_decoder(tmp, model, embeds, ids, cache_meta))
    files = ["vision_encoder.onnx", "text_decoder.onnx", "tokenizer.json", "decoder_cross_kv.onnx", "decoder_step.onnx"]
    digest = hashlib.sha256()
    for name in files:
        digest.update(bytes.fromhex(sha256_file(tmp / name)))
    meta = {
        "format": EXPORT_FORMAT,
        "preset": state.get("preset"),
        "step": state.get("step"),
        "image_size": size,
        "resize": "pil-bicubic",  # PIL BICUBIC in the trainer, re-implemented bit for bit in captioner/preprocess.ts
        "image_mean": list(IMAGE_MEAN),
        "image_std": list(IMAGE_STD),
        "prompt": state.get("prompt", "a picture of "),
        "special_tokens": tokenizer.special_token_ids(),
        "vocab_size": model.config.text_config.vocab_size,
        "hidden_size": model.config.text_config.hidden_size,
        "max_positions": model.config.text_config.max_position_embeddings,
        "opset": OPSET,
        "files": {"vision": files[0], "decoder": files[1], "tokenizer": files[2], "cross_kv": files[3], "decoder_step": files[4]},
        "kv_cache": cache_meta,
        "source_checkpoint": str(Path(args.checkpoint).resolve()),
        "source_checkpoint_sha256": sha256_file(Path(args.checkpoint) / MODEL_FILE),
        "sha256": digest.hexdigest(),
        "onnx_check": check,
        "exported_at": time.time(),
    }
    (tmp / "export.json").write_text(json.dumps(meta, indent=2))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(json.dumps({"event": "exported", "path": str(out.resolve()), "sha256": meta["sha256"], "onnx_check": check}))
    return meta


def _check_with_onnxruntime(folder: Path, model, pixels, embeds, ids, mask, logits) -> dict:
    import onnxruntime as ort

    vision = ort.InferenceSession(str(folder / "vision_encoder.onnx"), providers=["CPUExecutionProvider"])
    decoder = ort.InferenceSession(str(folder / "text_decoder.onnx"), providers=["CPUExecutionProvider"])
    (ort_embeds,) = vision.run(None, {"pixel_values": pixels.numpy()})
    (ort_logits,) = decoder.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                                       "encoder_hidden_states": embeds.numpy()})
    # A longer prefix than the traced one: the causal mask must follow the sequence length.
    longer = torch.cat([ids, ids[:, 1:]], dim=1)
    with torch.no_grad():
        longer_logits = TextDecoder(model)(longer, torch.ones_like(longer), embeds).numpy()
    (ort_longer,) = decoder.run(None, {"input_ids": longer.numpy(), "attention_mask": np.ones_like(longer.numpy()),
                                       "encoder_hidden_states": embeds.numpy()})
    return {"vision_max_abs_diff": float(np.abs(ort_embeds - embeds.numpy()).max()),
            "decoder_max_abs_diff": float(max(np.abs(ort_logits - logits.numpy()).max(), np.abs(ort_longer - longer_logits).max()))}


def _export_cached_decoder(model, embeds, ids, folder: Path) -> dict:
    layers = len(model.text_decoder.bert.encoder.layer)
    heads = model.config.text_config.num_attention_heads
    head_dim = model.config.text_config.hidden_size // heads
    cross_names = [f"cross_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
    past_names = [f"past_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
    present_names = [f"present_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
    with torch.no_grad():
        cross = CrossKV(model)(embeds)
    _export(CrossKV(model), (embeds,), folder / "decoder_cross_kv.onnx", ["encoder_hidden_states"], cross_names,
            {"encoder_hidden_states": {0: "batch"}, **{n: {0: "batch"} for n in cross_names}})
    # Traced with a non-empty past so no shape is specialised to 0; T is dynamic.
    past = [torch.zeros(len(ids), heads, 2, head_dim) for _ in past_names]
    _export(DecoderStep(model), (ids, *past, *cross), folder / "decoder_step.onnx", ["input_ids", *past_names, *cross_names],
            ["logits", *present_names],
            {"input_ids": {0: "batch", 1: "new"}, "logits": {0: "batch"},
             **{n: {0: "batch", 2: "past"} for n in past_names}, **{n: {0: "batch"} for n in cross_names},
             **{n: {0: "batch", 2: "total"} for n in present_names}})
    return {"layers": layers, "heads": heads, "head_dim": head_dim, "image_tokens": int(embeds.shape[1])}


def _check_cached_decoder(folder: Path, model, embeds, ids, meta) -> dict:
    """Prefill from an empty cache, then one token at a time, against the uncached PyTorch decoder."""
    import onnxruntime as ort

    cross_s = ort.InferenceSession(str(folder / "decoder_cross_kv.onnx"), providers=["CPUExecutionProvider"])
    step_s = ort.InferenceSession(str(folder / "decoder_step.onnx"), providers=["CPUExecutionProvider"])
    cross = cross_s.run(None, {"encoder_hidden_states": embeds.numpy()})
    layers, heads, head_dim = meta["layers"], meta["heads"], meta["head_dim"]
    cross_feed = {f"cross_{kind}_{i}": cross[2 * i + j] for i in range(layers) for j, kind in enumerate(("key", "value"))}
    past = {f"past_{kind}_{i}": np.zeros((len(ids), heads, 0, head_dim), np.float32) for i in range(layers) for kind in ("key", "value")}
    longer = torch.cat([ids, ids[:, 1:]], dim=1)
    with torch.no_grad():
        reference = model.decoder_logits(longer, torch.ones_like(longer), embeds).numpy()
    worst = 0.0
    prefill = ids.shape[1]
    for start, stop in [(0, prefill)] + [(j, j + 1) for j in range(prefill, longer.shape[1])]:
        out = step_s.run(None, {"input_ids": longer[:, start:stop].numpy(), **past, **cross_feed})
        worst = max(worst, float(np.abs(out[0] - reference[:, stop - 1]).max()))
        past = {f"past_{kind}_{i}": out[1 + 2 * i + j] for i in range(layers) for j, kind in enumerate(("key", "value"))}
    return {"cached_decoder_max_abs_diff": worst}
