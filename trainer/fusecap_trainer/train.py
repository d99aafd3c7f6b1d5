"""The training loop: pre-training (ITC + ITM + LM) or fine-tuning (LM only), with checkpoints, exact
resume and a checkpoint on SIGTERM. Progress is reported through events.emit."""

import math
import os
import signal
import time
from collections import defaultdict
from pathlib import Path

import torch
from transformers import BlipConfig

from . import checkpoint as ckpt
from .data import BatchLoader, read_manifest, steps_per_epoch
from .events import TrainerError, emit
from .model import FuseCapBlip, blip_config, load_pretrained_blip, pretrained_config
from .presets import get_preset
from .tokenizer import load_tokenizer, train_tokenizer


class StopFlag:
    """Set by SIGTERM/SIGINT; the loop finishes the current step, saves a checkpoint and exits."""

    def __init__(self):
        self.signal: int | None = None
        signal.signal(signal.SIGTERM, self._set)
        signal.signal(signal.SIGINT, self._set)

    def _set(self, signum, _frame):
        self.signal = signum


def _lr_lambda(total_steps: int, warmup: int):
    def factor(step: int) -> float:  # step = optimizer steps taken so far
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _is_local_path(value: str) -> bool:
    return value.startswith((".", "/", "~")) or Path(value).exists() or value.count("/") != 1


def validate_args(args) -> None:
    if args.steps < 1:
        raise TrainerError(f"--steps must be at least 1, got {args.steps}")
    if args.batch_size < 1:
        raise TrainerError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.checkpoint_every < 1 or args.keep_last < 1:
        raise TrainerError("--checkpoint-every and --keep-last must be at least 1")
    if args.mode not in ("pretrain", "finetune"):
        raise TrainerError(f'--mode must be "pretrain" or "finetune", got "{args.mode}"')
    if args.mode == "pretrain" and args.batch_size < 2:
        raise TrainerError("--batch-size must be at least 2 in pretrain mode (ITC and ITM need in-batch negatives)")
    if args.resume_from:
        ckpt.check_checkpoint_dir(args.resume_from, for_resume=True)
    if args.pretrained and _is_local_path(args.pretrained) and not Path(args.pretrained).expanduser().exists():
        raise TrainerError(f"pretrained model folder not found: {args.pretrained}")


def run_train(args) -> dict:
    validate_args(args)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() and not args.cpu else "cpu"
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    preset = get_preset(args.preset)

    manifest = read_manifest(args.manifest)
    if manifest.skipped:
        emit("skipped", total=sum(manifest.skipped.values()), reasons=dict(manifest.skipped), examples=manifest.examples)
    n_pairs = len(manifest.pairs)
    if n_pairs == 0:
        raise TrainerError(f"no usable image-caption pairs in {args.manifest}")
    if args.batch_size > n_pairs:
        raise TrainerError(f"--batch-size {args.batch_size} is larger than the {n_pairs} usable pairs in the manifest "
                           f"(incomplete batches are dropped); use at most {n_pairs}")

    resume_state = ckpt.read_state(Path(args.resume_from)) if args.resume_from else None
    if resume_state:
        for key in ("batch_size", "seed", "mode"):
            if resume_state[key] != getattr(args, key):
                raise TrainerError(f"--{key.replace('_', '-')} {getattr(args, key)} differs from the checkpoint's "
                                   f"{resume_state[key]}; a resumed run must keep it to see the same batches")
        if resume_state["step"] >= args.steps:
            raise TrainerError(f"checkpoint is at step {resume_state['step']}, not before --steps {args.steps}")

    # Tokenizer and model: from the checkpoint when resuming, else pretrained BLIP, else from scratch.
    if args.resume_from:
        tokenizer = load_tokenizer(Path(args.resume_from))
        config = BlipConfig.from_json_file(str(Path(args.resume_from) / "blip_config.json"))
        model = FuseCapBlip(config)
    elif args.pretrained:
        try:
            config = pretrained_config(args.pretrained, args.label_smoothing, preset.embed_dim)
            model = FuseCapBlip(config)
            load_pretrained_blip(args.pretrained, model)
        except OSError as e:
            raise TrainerError(f"cannot load pretrained BLIP from {args.pretrained}: {e}") from e
        tokenizer = load_tokenizer(Path(args.pretrained)) if Path(args.pretrained).is_dir() else None
        if tokenizer is None:
            from transformers import AutoTokenizer
            from .tokenizer import CaptionTokenizer
            tokenizer = CaptionTokenizer(AutoTokenizer.from_pretrained(args.pretrained).backend_tokenizer)
    else:
        tokenizer = train_tokenizer([p.caption for p in manifest.pairs] + [args.prompt], preset.vocab_size)
        config = blip_config(preset, tokenizer.special_token_ids(), tokenizer.vocab_size, args.label_smoothing)
        model = FuseCapBlip(config)
    if tokenizer.vocab_size > config.text_config.vocab_size:
        raise TrainerError(f"tokenizer has {tokenizer.vocab_size} tokens, the model's vocabulary {config.text_config.vocab_size}")
    model.to(device).train()
    if device == "cuda":
        from .fast_attention import use_sdpa

        use_sdpa(model)  # fused attention kernels; same maths as HF's eager attention (test/trainer/fast-attention.test.ts)
    image_size = config.vision_config.image_size

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, fused=device == "cuda")
    warmup = max(1, min(args.warmup_steps, args.steps // 10 or 1))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(args.steps, warmup))

    start_step = 0
    if args.resume_from:
        folder = Path(args.resume_from)
        model.load_state_dict(torch.load(folder / ckpt.MODEL_FILE, map_location=device, weights_only=True))
        optimizer.load_state_dict(torch.load(folder / "optimizer.pt", map_location=device, weights_only=True))
        scheduler.load_state_dict(torch.load(folder / "scheduler.pt", weights_only=True))
        ckpt.set_rng_state(torch.load(folder / "rng.pt", weights_only=False))
        start_step = resume_state["step"]

    prompt_len = len(tokenizer.prompt_ids(args.prompt))
    run_settings = {"preset": preset.name, "mode": args.mode, "batch_size": args.batch_size, "seed": args.seed,
                    "steps": args.steps, "lr": args.lr, "prompt": args.prompt, "image_size": image_size,
                    "manifest": str(args.manifest), "pairs": n_pairs, "pretrained": args.pretrained}
    emit("start", step=start_step, resumed_from=args.resume_from, device=device, pid=os.getpid(),
         steps_per_epoch=steps_per_epoch(n_pairs, args.batch_size),
         parameters=sum(p.numel() for p in model.parameters()), vocab_size=tokenizer.vocab_size, **run_settings)

    dataset = BatchLoader(manifest.pairs, args.batch_size, args.seed, image_size)
    loader = torch.utils.data.DataLoader(dataset, sampler=range(start_step + 1, args.steps + 1), batch_size=None,
                                         num_workers=args.workers, pin_memory=device == "cuda",
                                         persistent_workers=False, prefetch_factor=4 if args.workers else None,
                                         # Its own generator: iterating must not draw from the global RNG, which
                                         # a resumed run has just restored (ITM negatives come from it).
                                         generator=torch.Generator().manual_seed(args.seed))
    stop = StopFlag()
    window: dict[str, list[float]] = defaultdict(list)
    last_ckpt: dict | None = None
    step = start_step
    epoch = 0

    def save(at_step: int) -> dict:
        metrics = {k: sum(v) / len(v) for k, v in window.items() if v}
        metrics["lr"] = scheduler.get_last_lr()[0]
        path, sha = ckpt.save_checkpoint(out_dir, at_step, model, tokenizer, optimizer, scheduler,
                                         {**run_settings, "epoch": epoch, "metrics": metrics}, args.keep_last)
        event = {"step": at_step, "epoch": epoch, "path": str(path.resolve()), "sha256": sha, "metrics": metrics}
        emit("checkpoint", **event)
        window.clear()
        return event

    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else torch.autocast("cpu", enabled=False)
    tick = time.perf_counter()
    for batch in loader:
        step, epoch = batch["step"], batch["epoch"]
        captions = batch["captions"]
        pixel_values = batch["pixel_values"].to(device, non_blocking=True)
        text_ids, text_mask = tokenizer.encode_batch(captions, args.max_tokens, tokenizer.cls_id)
        dec_ids, _ = tokenizer.encode_batch([args.prompt + c for c in captions], args.max_tokens + prompt_len, tokenizer.dec_id)
        labels = dec_ids.masked_fill(dec_ids == tokenizer.pad_id, -100)
        labels[:, :prompt_len] = -100
        keys = {k: i for i, k in enumerate(dict.fromkeys(batch["image_ids"]))}
        image_keys = torch.tensor([keys[k] for k in batch["image_ids"]], device=device)
        try:
            with autocast:
                losses = model.losses(pixel_values, text_ids.to(device), text_mask.to(device), dec_ids.to(device),
                                      labels.to(device), image_keys, args.mode, tokenizer.enc_id)
            optimizer.zero_grad(set_to_none=True)
            losses["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        except torch.OutOfMemoryError as e:
            raise TrainerError(f"CUDA out of memory at --batch-size {args.batch_size} (step {step}); "
                               f"try --batch-size {max(1, args.batch_size // 2)}") from e
        values = {k: float(v.detach()) for k, v in losses.items()}
        for k, v in values.items():
            window[k].append(v)
        now = time.perf_counter()
        if step % args.log_every == 0 or step == args.steps:
            emit("step", step=step, epoch=epoch, **values, lr=scheduler.get_last_lr()[0],
                 samples_per_s=round(len(captions) / max(now - tick, 1e-9), 2))
        tick = now
        if not math.isfinite(values["loss"]):
            raise TrainerError(f"loss is not finite at step {step}; lower --lr (now {args.lr})")
        if step % args.checkpoint_every == 0 or step == args.steps:
            last_ckpt = save(step)
        if stop.signal is not None:
            if not last_ckpt or last_ckpt["step"] != step:
                last_ckpt = save(step)
            emit("stopped", step=step, signal=signal.Signals(stop.signal).name, checkpoint=last_ckpt)
            return {"stopped": True, "step": step}
    if stop.signal is not None and step == start_step:  # signalled before the first step finished
        emit("stopped", step=step, signal=signal.Signals(stop.signal).name, checkpoint=None)
        return {"stopped": True, "step": step}
    emit("done", step=step, steps=args.steps, checkpoint=last_ckpt)
    return {"stopped": False, "step": step}
