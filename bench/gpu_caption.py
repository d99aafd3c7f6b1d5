"""Captioning throughput of a trainer checkpoint and its ONNX export, beam 3, at most 60 new tokens, on the
GPU when there is one: captions/s of

  onnx     the exported captioner (vision_encoder.onnx + text_decoder.onnx) under onnxruntime, with the
           decoding rules of decoding.py (the ones captioner/decode.ts mirrors); CUDAExecutionProvider when
           onnxruntime offers it, else run only on CPU (--smoke / no GPU) and reported as such
  pytorch  the checkpoint's decoder under transformers' `generate` (KV cache), the PyTorch fallback

    python bench/gpu_caption.py --checkpoint CKPT [--export DIR] [--images 64] [--batch-size 16]

Inputs are seeded random pixels: throughput does not depend on what the image shows, only on how many
tokens come out (reported as mean_tokens). The last line printed is one JSON object.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer"))

from fusecap_trainer.checkpoint import load_model  # noqa: E402
from fusecap_trainer.decoding import beam_search  # noqa: E402


def timed(fn, device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


@torch.inference_mode()
def pytorch_captions(model, tokenizer, pixels, prompt_ids, beams: int, max_new: int, device: str) -> list[list[int]]:
    embeds = model.image_embeds(pixels.to(device))
    ids = torch.tensor([prompt_ids] * len(pixels), dtype=torch.long, device=device)
    out = model.text_decoder.generate(
        input_ids=ids, attention_mask=torch.ones_like(ids), encoder_hidden_states=embeds,
        encoder_attention_mask=torch.ones(embeds.shape[:-1], dtype=torch.long, device=device),
        max_new_tokens=max_new, num_beams=beams, do_sample=False, eos_token_id=tokenizer.sep_id,
        pad_token_id=tokenizer.pad_id, bos_token_id=tokenizer.dec_id,
    )
    rows = []
    for row in out.tolist():
        tokens = row[len(prompt_ids):]
        if tokenizer.sep_id in tokens:
            tokens = tokens[: tokens.index(tokenizer.sep_id)]
        rows.append([t for t in tokens if t != tokenizer.pad_id])
    return rows


def onnx_sessions(export_dir: str, use_cuda: bool):
    import onnxruntime as ort

    meta = json.load(open(os.path.join(export_dir, "export.json")))
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if use_cuda else ["CPUExecutionProvider"]
    options = ort.SessionOptions()
    vision = ort.InferenceSession(os.path.join(export_dir, meta["files"]["vision"]), options, providers=providers)
    decoder = ort.InferenceSession(os.path.join(export_dir, meta["files"]["decoder"]), options, providers=providers)
    return vision, decoder, vision.get_providers()[0]


def onnx_captions(vision, decoder, pixels, prompt_ids, eos: int, beams: int, max_new: int) -> list[list[int]]:
    embeds = vision.run(["image_embeds"], {"pixel_values": pixels.numpy()})[0]

    def next_logits(ids: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        feed = {"input_ids": ids.numpy(), "attention_mask": torch.ones_like(ids).numpy(), "encoder_hidden_states": embeds[rows.numpy()]}
        return torch.from_numpy(decoder.run(["logits"], feed)[0])

    return beam_search(next_logits, len(pixels), prompt_ids, eos, max_new, beams)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--export", help="ONNX export folder (fusecap_trainer export)")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--beams", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=60)
    parser.add_argument("--prompt", default="a picture of ")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("FUSECAP_TORCH_THREADS", "2")))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, tokenizer, state = load_model(args.checkpoint)
    model.to(device).eval()
    size = model.config.vision_config.image_size
    pixels = torch.randn(args.images, 3, size, size, generator=torch.Generator().manual_seed(0))
    prompt_ids = tokenizer.prompt_ids(args.prompt)
    max_new = min(args.max_length, model.config.text_config.max_position_embeddings - len(prompt_ids))
    batches = [pixels[i: i + args.batch_size] for i in range(0, len(pixels), args.batch_size)]
    results: dict = {
        "bench": "gpu_caption", "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "preset": state.get("preset"), "image_size": size, "images": args.images, "batch_size": args.batch_size,
        "beams": args.beams, "max_new_tokens": max_new, "runs": {},
    }

    def record(name: str, run) -> None:
        run(batches[0])  # warm-up: CUDA kernels, onnxruntime's first-run allocations
        tokens: list[list[int]] = []
        seconds = timed(lambda: [tokens.extend(run(b)) for b in batches], device)
        row = {"captions_per_s": round(args.images / seconds, 2), "seconds": round(seconds, 3),
               "mean_tokens": round(sum(map(len, tokens)) / len(tokens), 1)}
        results["runs"][name] = row
        print(f"{name}: {row}", flush=True)

    record("pytorch_generate", lambda b: pytorch_captions(model, tokenizer, b, prompt_ids, args.beams, max_new, device))
    if args.export:
        try:
            import onnxruntime as ort

            cuda = "CUDAExecutionProvider" in ort.get_available_providers()
        except ImportError as e:
            cuda, results["onnx_unavailable"] = False, f"onnxruntime not importable: {e}"
        if "onnx_unavailable" not in results and (cuda or device == "cpu"):
            vision, decoder, provider = onnx_sessions(args.export, cuda)
            results["onnx_provider"] = provider
            record("onnx", lambda b: onnx_captions(vision, decoder, b, prompt_ids, tokenizer.sep_id, args.beams, max_new))
        elif "onnx_unavailable" not in results:
            results["onnx_unavailable"] = (f"onnxruntime {ort.__version__} offers no CUDAExecutionProvider here "
                                           f"({', '.join(ort.get_available_providers())}); PyTorch generate is the GPU figure")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
