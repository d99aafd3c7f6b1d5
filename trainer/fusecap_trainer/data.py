"""Manifest reading, image pre-processing and the deterministic batch order.

Pre-processing (must match captioner/preprocess.ts): EXIF orientation applied, embedded ICC profile
converted to sRGB, alpha flattened onto white, RGB; resized to image_size × image_size ignoring aspect (as BLIP does) with a bicubic
(Catmull-Rom, a = -0.5) filter that widens with the scale factor when shrinking — PIL's BICUBIC, which
the Node side re-implements bit for bit (captioner/preprocess.ts); scaled to 0..1 and normalised with IMAGE_MEAN / IMAGE_STD.

Batch order is a pure function of (seed, step): epoch e uses a permutation drawn from a generator seeded
with seed + e, batches are consecutive slices of it, the last partial batch is dropped. A resumed run
therefore sees exactly the batches the uninterrupted run would have seen.
"""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from .events import TrainerError
from .presets import IMAGE_MEAN, IMAGE_STD


@dataclass(frozen=True)
class Pair:
    image_id: str
    path: str
    caption: str


@dataclass
class Manifest:
    pairs: list[Pair]
    skipped: Counter  # reason -> count
    examples: list[dict]  # a few skipped lines with their reason, for the report


_SRGB = None


def _to_srgb(im: Image.Image) -> Image.Image:
    """Converts an embedded ICC profile (e.g. Adobe RGB) to sRGB, as sharp/libvips does on the Node side.
    lcms (here) and libvips differ by at most one level on a few pixels; without an embedded profile both
    sides pass the pixels through unchanged."""
    global _SRGB
    icc = im.info.get("icc_profile")
    # libvips leaves a grey image's profile unapplied (measured: page.png, "Dot Gain 20%"), so do we.
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    from io import BytesIO

    from PIL import ImageCms

    try:
        _SRGB = _SRGB or ImageCms.createProfile("sRGB")
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(im, source, _SRGB, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError):
        return im  # a broken profile: libvips also falls back to the raw pixels


def load_image(path: str) -> Image.Image:
    with Image.open(path) as im:
        im = _to_srgb(ImageOps.exif_transpose(im))
        if im.mode in ("RGBA", "LA", "P", "PA"):
            im = im.convert("RGBA")
            background = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(background, im)
        return im.convert("RGB")


def preprocess(image: Image.Image, image_size: int) -> torch.Tensor:
    resized = image.resize((image_size, image_size), Image.Resampling.BICUBIC)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    array = (array - np.array(IMAGE_MEAN, dtype=np.float32)) / np.array(IMAGE_STD, dtype=np.float32)
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def _image_problem(path: Path) -> str | None:
    if not path.is_file():
        return "missing_image"
    try:
        with Image.open(path) as im:
            # draft() lets JPEGs decode at 1/8 scale: a cheap full read that still finds truncated files.
            im.draft("RGB", (64, 64))
            im.load()
    except Exception:  # PIL raises many types for unreadable files
        return "corrupt_image"
    return None


def read_manifest(manifest: str | Path, base_dir: str | Path | None = None) -> Manifest:
    """One pair per line: {"image_id", "path", "caption"}. Relative paths resolve against the manifest's
    folder. Bad lines are counted by reason and skipped, never fatal."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise TrainerError(f"manifest not found: {manifest}")
    base = Path(base_dir) if base_dir else manifest.parent
    pairs: list[Pair] = []
    skipped: Counter = Counter()
    examples: list[dict] = []
    image_ok: dict[str, str | None] = {}

    def skip(reason: str, line_no: int, detail: str) -> None:
        skipped[reason] += 1
        if len(examples) < 20:
            examples.append({"line": line_no, "reason": reason, "detail": detail})

    with manifest.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                skip("bad_json", line_no, str(e))
                continue
            if not isinstance(row, dict) or not isinstance(row.get("path"), str):
                skip("bad_row", line_no, "expected an object with a string `path`")
                continue
            caption = row.get("caption")
            if not isinstance(caption, str) or not caption.strip():
                skip("empty_caption", line_no, row["path"])
                continue
            path = Path(row["path"])
            path = path if path.is_absolute() else base / path
            key = str(path)
            if key not in image_ok:
                image_ok[key] = _image_problem(path)
            if image_ok[key]:
                skip(image_ok[key], line_no, key)
                continue
            pairs.append(Pair(str(row.get("image_id") or key), key, " ".join(caption.split())))
    return Manifest(pairs, skipped, examples)


def steps_per_epoch(n_pairs: int, batch_size: int) -> int:
    return n_pairs // batch_size


def batch_indices(step: int, n_pairs: int, batch_size: int, seed: int) -> tuple[int, list[int]]:
    """(epoch, pair indices) of 1-based `step`."""
    per_epoch = steps_per_epoch(n_pairs, batch_size)
    epoch, slot = divmod(step - 1, per_epoch)
    generator = torch.Generator().manual_seed(seed + epoch)
    order = torch.randperm(n_pairs, generator=generator)
    return epoch, order[slot * batch_size : (slot + 1) * batch_size].tolist()


class ImageCache:
    """Pre-processed tensors by path. Small datasets (the sample set, tests) fit in memory; larger ones
    set a limit and decode on every visit."""

    def __init__(self, image_size: int, max_items: int = 4096):
        self.image_size = image_size
        self.max_items = max_items
        self.items: dict[str, torch.Tensor] = {}

    def get(self, path: str) -> torch.Tensor:
        cached = self.items.get(path)
        if cached is not None:
            return cached
        tensor = preprocess(load_image(path), self.image_size)
        if len(self.items) < self.max_items:
            self.items[path] = tensor
        return tensor


class BatchLoader(torch.utils.data.Dataset):
    """Map-style dataset over *steps*: item s is the whole batch of step s, so a DataLoader with workers
    prefetches batches in the deterministic order and resuming is `range(start, steps + 1)`."""

    def __init__(self, pairs: list[Pair], batch_size: int, seed: int, image_size: int):
        self.pairs = pairs
        self.batch_size = batch_size
        self.seed = seed
        self.cache = ImageCache(image_size)

    def __getitem__(self, step: int) -> dict:
        epoch, indices = batch_indices(step, len(self.pairs), self.batch_size, self.seed)
        chosen = [self.pairs[i] for i in indices]
        return {
            "step": step,
            "epoch": epoch,
            "pixel_values": torch.stack([self.cache.get(p.path) for p in chosen]),
            "captions": [p.caption for p in chosen],
            "image_ids": [p.image_id for p in chosen],
        }

    def __len__(self) -> int:  # only for DataLoader's bookkeeping; items are addressed by step
        return 1 << 62
