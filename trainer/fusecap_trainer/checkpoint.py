"""Checkpoint folders: OUT/checkpoints/step-NNNNNN/ holding

  model.pt        model state dict (torch.save; the decoder's tied embeddings rule out safetensors' save_file)
  blip_config.json, tokenizer.json   everything needed to rebuild the model without the training run
  optimizer.pt, scheduler.pt, rng.pt  training state, for --resume-from
  state.json      step, epoch, run settings, metrics, sha256 of model.pt

A folder is written under a temporary name and renamed when complete, so a folder named step-* is
always whole: a run killed mid-save leaves only a `.tmp-*` folder, which the next save removes.
"""

import errno
import hashlib
import json
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from transformers import BlipConfig

from .events import TrainerError
from .model import FuseCapBlip
from .tokenizer import CaptionTokenizer, load_tokenizer

MODEL_FILE = "model.pt"
REQUIRED_FILES = (MODEL_FILE, "blip_config.json", "tokenizer.json", "state.json")
RESUME_FILES = ("optimizer.pt", "scheduler.pt", "rng.pt")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _torch_save(obj, path: Path) -> None:
    try:
        torch.save(obj, path)
    except RuntimeError:
        # torch reports a failed write (a full disk) as a RuntimeError without errno or path: a plain write
        # into the same folder says what happened, as an OSError the CLI reports as an unwritable path.
        _probe_write(path.parent)
        raise


def _probe_write(folder: Path) -> None:
    probe = folder / ".write-probe"
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * (1 << 20))
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise OSError(e.errno or errno.EIO, e.strerror or str(e), str(folder)) from e
    finally:
        probe.unlink(missing_ok=True)


def save_checkpoint(out_dir: Path, step: int, model: FuseCapBlip, tokenizer: CaptionTokenizer, optimizer,
                    scheduler, state: dict, keep_last: int) -> tuple[Path, str]:
    root = out_dir / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    final = root / f"step-{step:06d}"
    tmp = root / f".tmp-step-{step:06d}"
    tmp.mkdir()
    try:
        _torch_save(model.state_dict(), tmp / MODEL_FILE)
        (tmp / "blip_config.json").write_text(model.config.to_json_string())
        tokenizer.save(tmp)
        _torch_save(optimizer.state_dict(), tmp / "optimizer.pt")
        _torch_save(scheduler.state_dict(), tmp / "scheduler.pt")
        _torch_save(rng_state(), tmp / "rng.pt")
        sha = sha256_file(tmp / MODEL_FILE)
        (tmp / "state.json").write_text(json.dumps({**state, "step": step, "model_sha256": sha, "saved_at": time.time()}, indent=2))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a half-written checkpoint is never left to fill the disk
        raise
    if final.exists():  # a rerun that reaches the same step replaces it
        shutil.rmtree(final)
    tmp.rename(final)
    for old in sorted(root.glob("step-*"))[:-keep_last]:
        shutil.rmtree(old, ignore_errors=True)
    return final, sha


def check_checkpoint_dir(path: str | Path, for_resume: bool = False) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise TrainerError(f"checkpoint folder not found: {folder}")
    needed = REQUIRED_FILES + (RESUME_FILES if for_resume else ())
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise TrainerError(f"checkpoint {folder} is incomplete: missing {', '.join(missing)}")
    return folder


def read_state(folder: Path) -> dict:
    return json.loads((folder / "state.json").read_text())


def load_model(path: str | Path, device: str = "cpu") -> tuple[FuseCapBlip, CaptionTokenizer, dict]:
    """Model (eval mode), tokenizer and state.json of a checkpoint folder."""
    folder = check_checkpoint_dir(path)
    config = BlipConfig.from_json_file(str(folder / "blip_config.json"))
    model = FuseCapBlip(config)
    model.load_state_dict(torch.load(folder / MODEL_FILE, map_location=device, weights_only=True))
    model.to(device).eval()
    return model, load_tokenizer(folder), read_state(folder)
