"""Training throughput of FuseCap's BLIP on one GPU: the `base` preset (ViT-B/16 at 384 px, BERT-base
text, the paper's size) with this project's techniques, against a plain HF transformers training loop,
in the same run on the same card. Needs only torch (2.11) and transformers (5.17); no weights (random
init), no dataset (synthetic tensors already on the GPU, so the model alone is timed).

    python bench/gpu_train.py                      # on the GPU machine: batch 128, bf16, a few steps each
    python bench/gpu_train.py --smoke              # tiny sizes, 1 timed step, CPU is fine: proves it runs

    python bench/gpu_train.py --max-batch --variants fusecap_pretrain   # largest batch that fits

Variants (samples/s, median over timed steps after warm-up, peak memory):
  plain_hf        BlipForConditionalGeneration (LM loss), eager attention, torch AdamW (foreach),
                  bf16 autocast — the "plain HF loop" (measured earlier: 276 samples/s at batch 128 on H100)
  plain_hf_pretrain  the plain loop with BLIP pre-training's three objectives: BlipForConditionalGeneration
                  (LM) + BlipForImageTextRetrieval's text encoder, projections and ITM head (ITC + ITM with
                  hard negatives) over one shared ViT, written the obvious way with HF modules only
  fusecap_lm      FuseCapBlip fine-tune (LM only, same work as plain_hf) + SDPA + fused AdamW
                  (+ torch.compile of the three towers unless --no-compile)
  fusecap_pretrain  the same with ITC + ITM (hard negatives) + LM (same work as plain_hf_pretrain)
--max-batch doubles the batch from --batch-size until CUDA runs out of memory (or --max-batch-cap), one
timed step per size, and reports the largest that fit per variant (eager: compiling every size would
take minutes). The last line printed is one JSON object with every figure.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer"))

import torch.nn.functional as F  # noqa: E402
from transformers import BlipConfig, BlipForConditionalGeneration, BlipForImageTextRetrieval  # noqa: E402

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


def run_plain_hf_pretrain(config: BlipConfig, batch_data, args, device: str) -> dict:
    config.text_config.is_decoder = True  # the retrieval text encoder needs its cross-attention layers for ITM
    captioner = BlipForConditionalGeneration(config)
    retrieval = BlipForImageTextRetrieval(config)
    retrieval.vision_model = captioner.vision_model  # one ViT for the three objectives, as BLIP shares it
    model = torch.nn.ModuleDict({"captioner": captioner, "retrieval": retrieval}).to(device).train()
    temp = torch.nn.Parameter(torch.tensor(0.07, device=device))
    optimizer = torch.optim.AdamW([*model.parameters(), temp], lr=1e-4)
    pixels, ids, mask, dec, labels = batch_data
    enc_ids = ids.clone()
    enc_ids[:, 0] = SPECIAL["enc"]
    n = len(pixels)
    same = torch.eye(n, device=device, dtype=torch.bool)

    def step():
        with autocast(device, not args.fp32):
            image_embeds = captioner.vision_model(pixel_values=pixels).last_hidden_state
            image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=device)
            loss_lm = captioner.text_decoder(input_ids=dec, attention_mask=mask, encoder_hidden_states=image_embeds,
                                             encoder_attention_mask=image_atts, labels=labels).loss
            text_cls = retrieval.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0, :]
            image_feat = F.normalize(retrieval.vision_proj(image_embeds[:, 0, :]), dim=-1)
            text_feat = F.normalize(retrieval.text_proj(text_cls), dim=-1)
            sim = image_feat @ text_feat.t() / temp
            targets = torch.arange(n, device=device)
            loss_itc = (F.cross_entropy(sim.float(), targets) + F.cross_entropy(sim.t().float(), targets)) / 2
            with torch.no_grad():
                neg_text = torch.multinomial(F.softmax(sim.float(), 1).masked_fill(same, 0), 1).flatten()
                neg_image = torch.multinomial(F.softmax(sim.t().float(), 1).masked_fill(same, 0), 1).flatten()
            itm_ids = torch.cat([enc_ids, enc_ids, enc_ids[neg_text]])
            itm_mask = torch.cat([mask, mask, mask[neg_text]])
            itm_images = torch.cat([image_embeds, image_embeds[neg_image], image_embeds])
            itm_out = retrieval.text_encoder(input_ids=itm_ids, attention_mask=itm_mask, encoder_hidden_states=itm_images,
                                             encoder_attention_mask=torch.ones(itm_images.shape[:-1], dtype=torch.long,
                                                                               device=device)).last_hidden_state
            itm_labels = torch.cat([torch.ones(n), torch.zeros(2 * n)]).long().to(device)
            loss_itm = F.cross_entropy(retrieval.itm_head(itm_out[:, 0, :]).float(), itm_labels)
            loss = loss_lm + loss_itc + loss_itm
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    # parameters() counts the shared ViT once.
    return {"params": sum(p.numel() for p in model.parameters()) + 1, "times": time_steps(step, args.warmup, args.steps, device)}


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


def measure(name: str, runner, batch_size: int, device: str) -> dict:
    """One variant at one batch size: samples/s (median step) and peak memory, or the OOM it hit."""
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    try:
        out = runner()
    except torch.OutOfMemoryError:
        return {"error": f"CUDA out of memory at batch size {batch_size}", "oom": True}
    except Exception as e:  # e.g. torch.compile failing on this machine: the caller may retry eager
        return {"error": f"{type(e).__name__}: {str(e)[:300]}"}
    finally:
        if device == "cuda":
            torch.cuda.empty_cache()
    median = statistics.median(out.pop("times"))
    row = {**out, "batch_size": batch_size, "step_s": round(median, 4), "samples_per_s": round(batch_size / median, 1)}
    if device == "cuda":
        row["peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--preset", default="base", choices=sorted(PRESETS))
    parser.add_argument("--steps", type=int, default=8, help="timed steps per variant")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--text-len", type=int, default=40)
    parser.add_argument("--variants", default="plain_hf,plain_hf_pretrain,fusecap_lm,fusecap_pretrain")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--compile", action="store_true", help="compile on CPU too (slow; needs a C++ compiler)")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--max-batch", action="store_true", help="find the largest batch that fits (doubling)")
    parser.add_argument("--max-batch-cap", type=int, default=8192, help="stop doubling here")
    parser.add_argument("--smoke", action="store_true", help="tiny preset, batch 4, 1 step, 1 warm-up: a crash test")
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.smoke:
        args.preset, args.batch_size, args.steps, args.warmup, args.text_len = "tiny", 4, 1, 1, 12
        args.max_batch_cap = args.batch_size  # one size: the search's code runs, its answer means nothing on CPU
        torch.set_num_threads(2)
    preset = PRESETS[args.preset]
    if args.max_batch:
        args.steps, args.warmup, args.no_compile = 1, 1, True
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    # The base preset's vocabulary is BERT-base's + [DEC], [ENC]; tiny's is small, with its own special ids.
    vocab = 30524 if preset.name == "base" else 512
    if preset.name != "base":
        SPECIAL.update(unk=1, cls=2, sep=3, bos=5, enc=6)
    generator = torch.Generator(device=device).manual_seed(0)

    results: dict = {
        "bench": "gpu_train", "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "torch": torch.__version__, "preset": preset.name, "image_size": preset.image_size,
        "batch_size": args.batch_size, "steps": args.steps,
        "bf16": not args.fp32 and device == "cuda", "mode": "max_batch" if args.max_batch else "throughput", "variants": {},
    }
    print(f"{results['device']}: preset {preset.name} ({preset.image_size} px), batch {args.batch_size}, "
          f"{args.steps} timed steps{' — largest batch search' if args.max_batch else ''}", flush=True)

    def runner(name: str, batch_size: int):
        # A fresh config per model: building one mutates its text config (is_decoder).
        config = blip_config(preset, SPECIAL, vocab, label_smoothing=0.0)
        batch_data = synthetic_batch(batch_size, preset.image_size, args.text_len, vocab, device, generator)
        return {
            "plain_hf": lambda: run_plain_hf(config, batch_data, args, device),
            "plain_hf_pretrain": lambda: run_plain_hf_pretrain(config, batch_data, args, device),
            "fusecap_lm": lambda: run_fusecap(config, batch_data, args, device, "finetune"),
            "fusecap_pretrain": lambda: run_fusecap(config, batch_data, args, device, "pretrain"),
        }[name]

    allowed = ("plain_hf", "plain_hf_pretrain", "fusecap_lm", "fusecap_pretrain")
    for name in args.variants.split(","):
        if name not in allowed:
            print(f"unknown variant {name}; allowed: {', '.join(allowed)}", file=sys.stderr)
            return 2
        if not args.max_batch:
            row = measure(name, runner(name, args.batch_size), args.batch_size, device)
            if "error" in row and not row.get("oom") and name.startswith("fusecap") and not args.no_compile and device == "cuda":
                # Without a working compiler stack the eager figure still compares the rest of the techniques.
                print(f"{name}: {row['error']}; again without torch.compile", flush=True)
                args.no_compile = True
                row = {**measure(name, runner(name, args.batch_size), args.batch_size, device), "compile_error": row["error"]}
            results["variants"][name] = row
            print(f"{name}: {row.get('samples_per_s', row.get('error'))} samples/s ({row})", flush=True)
            print(json.dumps({"variant": name, **row}), flush=True)  # kept by bench/gpu/run.py if a later one times out
            continue
        best, tried, batch = None, [], args.batch_size
        while batch <= args.max_batch_cap:
            row = measure(name, runner(name, batch), batch, device)
            tried.append({"batch_size": batch, **{k: row[k] for k in ("samples_per_s", "peak_mem_gib", "error") if k in row}})
            print(f"{name}: batch {batch}: {row.get('samples_per_s', row.get('error'))}", flush=True)
            if row.get("oom"):
                break
            best = row
            batch *= 2
        results["variants"][name] = {
            "max_batch": best["batch_size"] if best else None,
            # Reaching the cap without an OOM means the true limit is higher.
            "hit_cap": bool(best) and not tried[-1].get("error"),
            "samples_per_s_at_max": best["samples_per_s"] if best else None,
            "peak_mem_gib_at_max": best.get("peak_mem_gib") if best else None,
            "tried": tried,
        }
    for lm_or_pretrain in ("", "_pretrain"):
        plain = results["variants"].get(f"plain_hf{lm_or_pretrain}", {}).get("samples_per_s")
        ours = results["variants"].get(f"fusecap{lm_or_pretrain or '_lm'}", {}).get("samples_per_s")
        if plain and ours:
            results[f"speedup{lm_or_pretrain or '_lm'}_vs_plain_hf"] = round(ours / plain, 2)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
