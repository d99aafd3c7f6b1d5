"""Every GPU figure of the GPU-figures issue in one call, for a lent GPU machine (bench/gpu/run.sh runs it):

  train_base      bench/gpu_train.py, `base` preset (384 px) from scratch on synthetic tensors: fusecap's
                  model + techniques vs a plain HF loop, LM only and ITC + ITM + LM, same batch, same
                  precision (bf16 autocast): samples/s, peak memory, ratios
  max_batch_base  the largest batch that fits, fusecap vs plain (ITC + ITM + LM)
  trainer         `python -m fusecap_trainer train --preset base` as users run it (its data loader,
                  scheduler, checkpointing) on the sample images at 384 px: samples/s; its checkpoint
                  feeds the next two phases
  export          `python -m fusecap_trainer export` of that checkpoint (ONNX)
  caption         bench/gpu_caption.py: captions/s at beam 3, max 60 tokens, ONNX under onnxruntime when
                  it offers CUDA, else PyTorch generate (both reported when both run)
  tiny            the `tiny` preset: samples/s per batch size and the largest batch that fits

Each phase is its own process with its own time limit (an OOM or a hang costs one phase, not the
call); what it printed goes to $OUT/logs/<phase>.log. Figures are printed as they come; the last line is
one JSON object with all of them (also written to $OUT/gpu-bench.json). `--smoke` runs every phase with
tiny sizes, on CPU in a minute or two: the check that the script still works before a device is lent.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def json_lines(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


class Runner:
    def __init__(self, out: Path, deadline: float):
        self.out = out
        self.deadline = deadline
        (out / "logs").mkdir(parents=True, exist_ok=True)
        self.phases: dict[str, dict] = {}

    def run(self, name: str, cmd: list[str], limit_s: float, env: dict | None = None) -> list[dict]:
        """Runs one phase; returns its JSON lines (also on timeout: what it printed so far)."""
        limit = max(5.0, min(limit_s, self.deadline - time.monotonic()))
        started = time.monotonic()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"== {name}: {' '.join(cmd[1:])} (limit {limit:.0f} s)", flush=True)
        log = self.out / "logs" / f"{name}.log"
        with open(log, "w") as f:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=f, text=True,
                                    env={**os.environ, "PYTHONPATH": str(ROOT / "trainer"), **(env or {})})
            try:
                stdout, _ = proc.communicate(timeout=limit)
                status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, _ = proc.communicate()
                status = f"timeout after {limit:.0f} s"
            f.write("\n--- stdout ---\n" + stdout)
        rows = json_lines(stdout)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
        self.phases[name] = {"status": status, "seconds": round(time.monotonic() - started, 1), "cpu_s": round(cpu_s, 1),
                             "log": str(log)}
        if status != "ok":
            tail = (log.read_text()[-600:]).strip().replace("\n", " | ")
            print(f"   {name}: {status} — {tail}", flush=True)
        return rows

    def done(self, name: str, result) -> None:
        self.phases[name]["result"] = result is not None


def trainer_manifest(folder: Path, pairs: int) -> Path:
    """The sample images' captions, repeated to `pairs` rows with distinct image ids (so no two rows are
    each other's ITC positives); the trainer decodes and resizes every image to the preset's size."""
    rows = []
    for line in (ROOT / "data" / "sample" / "captions.jsonl").read_text().splitlines():
        entry = json.loads(line)
        rows += [(str(ROOT / "data" / "sample" / entry["file"]), c) for c in entry["captions"]]
    manifest = folder / "train.jsonl"
    with open(manifest, "w") as f:
        for i in range(pairs):
            path, caption = rows[i % len(rows)]
            f.write(json.dumps({"image_id": f"img{i}", "path": path, "caption": caption}) + "\n")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, CPU is fine: every phase, in a minute or two")
    parser.add_argument("--batch-size", type=int, default=128, help="train_base batch (the plain loop's 276 samples/s on H100 was at 128)")
    parser.add_argument("--budget", type=float, default=500, help="seconds for all phases together (smoke: 900)")
    parser.add_argument("--no-compile", action="store_true", help="train_base without torch.compile")
    parser.add_argument("--phases", default="train_base,max_batch_base,trainer,export,caption,tiny")
    args = parser.parse_args()

    if not args.smoke:
        os.environ.setdefault("FUSECAP_TORCH_THREADS", "8")  # export and CPU-side work on the GPU box's cores
    out = Path(os.environ.get("OUT") or tempfile.mkdtemp(prefix="fusecap-gpu-bench-"))
    work = Path(tempfile.mkdtemp(prefix="fusecap-gpu-work-"))
    runner = Runner(out, time.monotonic() + (900 if args.smoke and args.budget == 500 else args.budget))
    # Phase limits guard the device's time; a smoke run on a busy CPU only needs protection from hangs.
    limit = (lambda seconds: 300) if args.smoke else (lambda seconds: seconds)
    smoke = ["--smoke"] if args.smoke else []
    wanted = set(args.phases.split(","))
    report: dict = {"bench": "gpu", "smoke": args.smoke, "date": time.strftime("%Y-%m-%d"), "out": str(out)}

    try:
        import torch

        report["device"] = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
        report["torch"] = torch.__version__
    except ImportError as e:
        print(f"torch is not importable by {PY}: {e}", file=sys.stderr)
        return 1
    print(f"fusecap GPU bench on {report['device']} (torch {report['torch']}), output in {out}", flush=True)
    summary: dict = {}

    if "train_base" in wanted:
        cmd = [PY, "bench/gpu_train.py", "--batch-size", str(args.batch_size), *smoke] + (["--no-compile"] if args.no_compile else [])
        rows = runner.run("train_base", cmd, limit(180))
        final = next((r for r in reversed(rows) if r.get("bench") == "gpu_train"), None)
        runner.done("train_base", final)
        variants = final["variants"] if final else {r["variant"]: r for r in rows if "variant" in r}
        report["train_base"] = final or {"variants": variants, "partial": True}
        for name, row in variants.items():
            summary[f"train_base.{name}.samples_per_s"] = row.get("samples_per_s")
            summary[f"train_base.{name}.peak_mem_gib"] = row.get("peak_mem_gib")
        for key in ("lm", "pretrain"):
            plain = variants.get(f"plain_hf{'' if key == 'lm' else '_pretrain'}", {}).get("samples_per_s")
            ours = variants.get(f"fusecap_{key}", {}).get("samples_per_s")
            summary[f"train_base.ratio_{key}"] = round(ours / plain, 2) if plain and ours else None

    if "max_batch_base" in wanted:
        # The smoke run exercises the search once: plain_hf_pretrain's step already ran in train_base.
        variants = "fusecap_pretrain" if args.smoke else "fusecap_pretrain,plain_hf_pretrain"
        cmd = [PY, "bench/gpu_train.py", "--max-batch", "--variants", variants,
               "--batch-size", str(args.batch_size), "--max-batch-cap", "4096", *smoke]
        final = next((r for r in reversed(runner.run("max_batch_base", cmd, limit(75))) if r.get("bench") == "gpu_train"), None)
        runner.done("max_batch_base", final)
        report["max_batch_base"] = final
        for name, row in (final or {}).get("variants", {}).items():
            summary[f"max_batch_base.{name}"] = row["max_batch"]
            summary[f"max_batch_base.{name}.samples_per_s"] = row["samples_per_s_at_max"]

    checkpoint = export = None
    if "trainer" in wanted:
        preset, batch, steps, extra = ("tiny", 4, 3, ["--threads", "2"]) if args.smoke else ("base", 32, 20, ["--workers", "8"])
        manifest = trainer_manifest(work, max(4 * batch, 64))
        cmd = [PY, "-m", "fusecap_trainer", "train", "--manifest", str(manifest), "--out", str(work / "run"), "--preset", preset,
               "--steps", str(steps), "--batch-size", str(batch), "--checkpoint-every", str(steps), "--keep-last", "1", *extra]
        rows = runner.run("trainer", cmd, limit(75))
        speeds = [r["samples_per_s"] for r in rows if r.get("event") == "step" and r.get("samples_per_s")]
        done = next((r for r in rows if r.get("event") == "done"), None)
        runner.done("trainer", done)
        # The first steps pay CUDA start-up and the loader's first batches; the median of the rest is the rate.
        steady = speeds[len(speeds) // 3:] or speeds
        report["trainer"] = {"preset": preset, "batch_size": batch, "steps": len(speeds),
                             "samples_per_s": round(statistics.median(steady), 1) if steady else None,
                             "checkpoint": done and done.get("checkpoint")}
        summary["trainer.samples_per_s"] = report["trainer"]["samples_per_s"]
        checkpoint = done and done.get("checkpoint")
        if isinstance(checkpoint, dict):
            checkpoint = checkpoint.get("path")

    if "export" in wanted and checkpoint:
        cmd = [PY, "-m", "fusecap_trainer", "export", "--checkpoint", str(checkpoint), "--out", str(work / "export")]
        rows = runner.run("export", cmd, limit(90))
        exported = next((r for r in rows if r.get("event") == "exported"), None)
        runner.done("export", exported)
        report["export"] = exported
        export = exported and exported.get("path")

    if "caption" in wanted and checkpoint:
        # Smoke: 2 images, 8 tokens (a random tiny model never stops early, and CPU beam search is slow).
        sizes = ["--images", "2", "--batch-size", "2", "--max-length", "8"] if args.smoke else ["--images", "64", "--batch-size", "16"]
        cmd = [PY, "bench/gpu_caption.py", "--checkpoint", str(checkpoint), *sizes] + (["--export", export] if export else [])
        final = next((r for r in reversed(runner.run("caption", cmd, limit(60))) if r.get("bench") == "gpu_caption"), None)
        runner.done("caption", final)
        report["caption"] = final
        for name, row in (final or {}).get("runs", {}).items():
            summary[f"caption.{name}.captions_per_s"] = row["captions_per_s"]
        if final and "onnx_unavailable" in final:
            summary["caption.onnx_unavailable"] = final["onnx_unavailable"]

    if "tiny" in wanted:
        cmd = [PY, "bench/gpu_train.py", "--preset", "tiny", "--max-batch", "--variants", "fusecap_pretrain",
               "--batch-size", "8", "--max-batch-cap", "65536", *smoke]
        final = next((r for r in reversed(runner.run("tiny", cmd, limit(45))) if r.get("bench") == "gpu_train"), None)
        runner.done("tiny", final)
        report["tiny"] = final
        row = (final or {}).get("variants", {}).get("fusecap_pretrain")
        if row:
            summary["tiny.max_batch"] = row["max_batch"]
            summary["tiny.samples_per_s_at_max"] = row["samples_per_s_at_max"]
            summary["tiny.samples_per_s_by_batch"] = {str(t["batch_size"]): t.get("samples_per_s") for t in row["tried"]}

    report["phases"] = runner.phases
    report["summary"] = summary
    print("\n== figures")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    (out / "gpu-bench.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report), flush=True)
    # A phase counts when it delivered its figures (a process slow to exit after printing them still does).
    failed = [n for n, p in runner.phases.items() if not p.get("result")]
    if failed:
        print(f"phases without figures: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed and args.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
