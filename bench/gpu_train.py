"""Training throughput of FuseCap's BLIP on one GPU: the `base` preset (ViT-B/16 at 384 px, BERT-base
text, the paper's size) with this project's techniques, against a plain HF transformers training loop,
in the same run on the same card. Needs only torch (2.11) and transformers (5.17); no weights (random
init), no dataset (synthetic tensors already on the GPU, so the model alone is timed).

    python bench/gpu_train.py                      # on the GPU machine: batch 128, bf16, a few steps each
    python bench/gpu_train.py --smoke              # tiny sizes, 2 steps, CPU is fine: proves it runs

Variants (samples/s, median over timed steps after warm-up, peak memory):
  plain_hf        BlipForConditionalGeneration (LM loss), eager attention, torch AdamW (foreach),
                  bf16 autocast — the "plain HF loop" (measured earlier: 276 samples/s at batch 128 on H100)
  fusecap_lm      FuseCapBlip fine-tune (LM only, same work as plain_hf) + SDPA + fused AdamW
                  (+ torch.compile of the three towers unless --no-compile)
  fusecap_pretrain  the same with ITC + ITM (hard negatives) + LM, BLIP pre-training's three objectives
The last line printed is one JSON object with every figure. A CUDA OOM is reported with its batch size.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer"))

from transformers import BlipConfig, BlipForConditionalGeneration  # noqa: E402

from fusecap_trainer.fast_attention import use_sdpa  # noqa: E402
from fusecap_trainer.model import FuseCapBlip, blip_config  # noqa: E402
from fusecap_trainer.presets import PRESETS  # noqa: E402

SPECIAL = {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "bos": 30522, "enc": 30523}  # BERT-base + [DEC], [ENC]


def synthetic_batch(batch: int, image_size: int, text_len: int, vocab: int, device: str, generator: torch.Generator):
    pixels = torch.randn(batch, 3, image_size, image_size, device=device, generator=generator)
    ids = torch.randint(min(1000, vocab // 2), vocab - 2, (batch, text_len), device=device, generator=generator)
    lengths = torch.randint(text_len // 2, text_len + 1, (batch,), device=device, generator=generator)
    mask = (torch.arange(text_len, device=device)[None, :] < lengths[:, None]).long()
    ids = ids * mask  # pad = 0
    ids[:, 0] = SPECIAL["cls"]
    ids[torch.arange(batch, device=device), lengths - 1] = SPECIAL["sep"]
    dec = ids.clone()
    dec[:, 0] = SPECIAL["bos"]
    labels = dec.masked_fill(mask == 0, -100)
    labels[:, :4] = -100  # a 3-token prompt + [DEC], as the trainer masks "a picture of "
    return pixels, ids, mask, dec, labels


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def time_steps(step_fn, warmup: int, steps: int, device: str) -> list[float]:
    for _ in range(warmup):
        step_fn()
    sync(device)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step_fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return times


def autocast(device: str, enabled: bool):
    if device == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=enabled)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=False)


def run_plain_hf(config: BlipConfig, batch_data, args, device: str) -> dict:
    model = BlipForConditionalGeneration(config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    pixels, _ids, mask, dec, labels = batch_data

    def step():
        with autocast(device, not args.fp32):
            loss = model(pixel_values=pixels, input_ids=dec, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return {"params": sum(p.numel() for p in model.parameters()), "times": time_steps(step, args.warmup, args.steps, device)}


def run_fusecap(config: BlipConfig, batch_data, args, device: str, mode: str) -> dict:
    model = FuseCapBlip(config).to(device).train()
    use_sdpa(model)
    compiled = device == "cuda" and not args.no_compile or args.compile
    if compiled:
        # The three towers compile to static graphs; the loss code around them (ITM negative sampling has
        # data-dependent indexing) stays eager.
        model.visual_encoder = torch.compile(model.visual_encoder)
        model.text_encoder = torch.compile(model.text_encoder)
        model.text_decoder = torch.compile(model.text_decoder)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device == "cuda")
    pixels, ids, mask, dec, labels = batch_data
    keys = torch.arange(len(pixels), device=device)

    def step():
        with autocast(device, not args.fp32):
            loss = model.losses(pixels, ids, mask, dec, labels, keys, mode, SPECIAL["enc"])["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return {"params": sum(p.numel() for p in model.parameters()), "compiled": compiled,
            "times": time_steps(step, args.warmup + (2 if compiled else 0), args.steps, device)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per variant")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--text-len", type=int, default=40)
    parser.add_argument("--variants", default="plain_hf,fusecap_lm,fusecap_pretrain")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--compile", action="store_true", help="compile on CPU too (slow; needs a C++ compiler)")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--smoke", action="store_true", help="tiny preset, batch 4, 2 steps, 1 warm-up: a crash test")
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    preset = PRESETS["tiny" if args.smoke else "base"]
    if args.smoke:
        args.batch_size, args.steps, args.warmup = 4, 2, 1
        torch.set_num_threads(2)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    vocab = 30524 if not args.smoke else 512
    special = dict(SPECIAL)
    if args.smoke:
        special.update(unk=1, cls=2, sep=3, bos=5, enc=6)
        SPECIAL.update(special)
    config = blip_config(preset, special, vocab, label_smoothing=0.0)
    generator = torch.Generator(device=device).manual_seed(0)
    batch_data = synthetic_batch(args.batch_size, preset.image_size, args.text_len, vocab, device, generator)

    results: dict = {
        "bench": "gpu_train", "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "torch": torch.__version__, "preset": preset.name, "batch_size": args.batch_size, "steps": args.steps,
        "bf16": not args.fp32 and device == "cuda", "variants": {},
    }
    print(f"{results['device']}: preset {preset.name}, batch {args.batch_size}, {args.steps} timed steps", flush=True)
    runners = {
        "plain_hf": lambda: run_plain_hf(config, batch_data, args, device),
        "fusecap_lm": lambda: run_fusecap(config, batch_data, args, device, "finetune"),
        "fusecap_pretrain": lambda: run_fusecap(config, batch_data, args, device, "pretrain"),
    }
    for name in args.variants.split(","):
        if name not in runners:
            print(f"unknown variant {name}; allowed: {', '.join(runners)}", file=sys.stderr)
            return 2
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        try:
            out = runners[name]()
        except torch.OutOfMemoryError:
            results["variants"][name] = {"error": f"CUDA out of memory at batch size {args.batch_size}"}
            print(f"{name}: CUDA out of memory at batch size {args.batch_size}", flush=True)
            continue
        median = statistics.median(out.pop("times"))
        row = {**out, "step_s": round(median, 4), "samples_per_s": round(args.batch_size / median, 1)}
        if device == "cuda":
            row["peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        results["variants"][name] = row
        print(f"{name}: {row['samples_per_s']} samples/s ({row})", flush=True)
    plain = results["variants"].get("plain_hf", {}).get("samples_per_s")
    lm = results["variants"].get("fusecap_lm", {}).get("samples_per_s")
    if plain and lm:
        results["speedup_lm_vs_plain_hf"] = round(lm / plain, 2)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
