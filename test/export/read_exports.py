"""Reads fusecap exports with the standard readers and prints what they saw as one JSON object.

usage: read_exports.py JSONL_DIR COCO_DIR WEBDATASET_DIR PARQUET_DIR
- JSONL and COCO with `json`; WebDataset with the PyPI `webdataset` package (WebDataset(urls) as a
  trainer would open the shards); Parquet with pyarrow (`pyarrow.parquet.read_table` on the folder, as
  pandas / HF datasets do). Image members and the Parquet image column are reported by sha256.
"""
import glob
import hashlib
import json
import os
import sys

import pyarrow.parquet as pq
import webdataset as wds

jsonl_dir, coco_dir, wds_dir, parquet_dir = sys.argv[1:5]

jsonl = []
for path in sorted(glob.glob(os.path.join(jsonl_dir, "*.jsonl"))):
    with open(path, encoding="utf-8") as f:
        jsonl.extend(json.loads(line) for line in f if line.strip())

with open(os.path.join(coco_dir, "captions.json"), encoding="utf-8") as f:
    coco = json.load(f)
karpathy = {}
for path in sorted(glob.glob(os.path.join(coco_dir, "coco_karpathy_*.json"))):
    with open(path, encoding="utf-8") as f:
        karpathy[os.path.basename(path)] = json.load(f)

samples = []
shards = sorted(glob.glob(os.path.join(wds_dir, "*.tar")))
for sample in wds.WebDataset(shards, shardshuffle=False, empty_check=False):
    image_ext = next(k for k in sample if k in ("jpg", "png", "webp", "gif", "jpeg", "tif", "bmp"))
    samples.append(
        {
            "key": sample["__key__"],
            "image_ext": image_ext,
            "image_sha256": hashlib.sha256(sample[image_ext]).hexdigest(),
            "txt": sample["txt"].decode("utf-8"),
            "json": json.loads(sample["json"].decode("utf-8")),
        }
    )

table = pq.read_table(os.path.join(parquet_dir, "data"))
rows = table.to_pylist()
for row in rows:
    image = row.pop("image", None)
    if image is not None:
        row["image_sha256"] = hashlib.sha256(image["bytes"]).hexdigest()

print(
    json.dumps(
        {
            "jsonl": jsonl,
            "coco": coco,
            "karpathy": karpathy,
            "webdataset": samples,
            "parquet": {"schema": table.schema.names, "rows": rows},
        }
    )
)
