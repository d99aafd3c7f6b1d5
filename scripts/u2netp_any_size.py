"""Writes a copy of U2-Net-p whose input height and width are free (symbolic) instead of fixed at 320.

The network is fully convolutional and its Resize ops take their sizes from Shape ops, so only the
declared graph input/output shapes pin it to 320×320; a smaller side makes the mask much cheaper
(its cost grows with the pixel count). Weights and nodes are untouched.

    python scripts/u2netp_any_size.py IN.onnx OUT.onnx
"""
import sys

import onnx


def main(src: str, dst: str) -> None:
    model = onnx.load(src)
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) != 4:
            raise SystemExit(f"{value.name}: expected a 4-d NCHW tensor, got {len(dims)} dims")
        dims[2].dim_param = "height"
        dims[3].dim_param = "width"
    # Inferred intermediate shapes would still say 320; onnxruntime infers them again at load.
    del model.graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
