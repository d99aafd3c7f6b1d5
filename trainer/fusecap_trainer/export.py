"""ONNX export for the Node captioner (captioner/onnx-captioner.ts):

  vision_encoder.onnx  pixel_values float32 [B, 3, S, S] -> image_embeds float32 [B, N, H]
  text_decoder.onnx    input_ids int64 [B, T], attention_mask int64 [B, T],
                       encoder_hidden_states float32 [B, N, H] -> logits float32 [B, V] (last position only:
                       decoding needs nothing else, and [B, T, V] would be copied out every step)
  tokenizer.json       the checkpoint's WordPiece tokenizer
  export.json          pre-processing, special token ids, opset, checksums, and the measured ONNX-vs-PyTorch
                       difference on a probe input

No KV cache: each step re-runs the decoder over the whole prefix. Captions are short (≤ 60 tokens).
"""

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

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
    tokenizer.save(tmp)

    check = _check_with_onnxruntime(tmp, pixels, embeds, ids, mask, logits)
    files = ["vision_encoder.onnx", "text_decoder.onnx", "tokenizer.json"]
    digest = hashlib.sha256()
    for name in files:
        digest.update(bytes.fromhex(sha256_file(tmp / name)))
    meta = {
        "format": EXPORT_FORMAT,
        "preset": state.get("preset"),
        "step": state.get("step"),
        "image_size": size,
        "resize": "bicubic",  # PIL BICUBIC in the trainer, libvips `cubic` in Node (both Catmull-Rom)
        "image_mean": list(IMAGE_MEAN),
        "image_std": list(IMAGE_STD),
        "prompt": state.get("prompt", "a picture of "),
        "special_tokens": tokenizer.special_token_ids(),
        "vocab_size": model.config.text_config.vocab_size,
        "hidden_size": model.config.text_config.hidden_size,
        "max_positions": model.config.text_config.max_position_embeddings,
        "opset": OPSET,
        "files": {"vision": files[0], "decoder": files[1], "tokenizer": files[2]},
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


def _check_with_onnxruntime(folder: Path, pixels, embeds, ids, mask, logits) -> dict:
    import onnxruntime as ort

    vision = ort.InferenceSession(str(folder / "vision_encoder.onnx"), providers=["CPUExecutionProvider"])
    decoder = ort.InferenceSession(str(folder / "text_decoder.onnx"), providers=["CPUExecutionProvider"])
    (ort_embeds,) = vision.run(None, {"pixel_values": pixels.numpy()})
    (ort_logits,) = decoder.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                                       "encoder_hidden_states": embeds.numpy()})
    return {"vision_max_abs_diff": float(np.abs(ort_embeds - embeds.numpy()).max()),
            "decoder_max_abs_diff": float(np.abs(ort_logits - logits.numpy()).max())}
