"""Model sizes. `base` is the paper's BLIP-base (ViT-B/16 at 384 px, BERT-base text); `tiny` is small
enough to train for a few dozen steps on two CPU cores in about a minute, for tests and the demo."""

from dataclasses import asdict, dataclass

# BLIP's (and CLIP's) normalisation constants; the Node captioner reads them from export.json.
IMAGE_MEAN = (0.48145466, 0.4578275, 0.40821073)
IMAGE_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class Preset:
    name: str
    image_size: int
    patch_size: int
    vision_hidden: int
    vision_layers: int
    vision_heads: int
    vision_intermediate: int
    text_hidden: int
    text_layers: int
    text_heads: int
    text_intermediate: int
    max_positions: int
    embed_dim: int  # ITC projection size
    vocab_size: int  # target size when a tokenizer is trained on the dataset's captions
    max_text_tokens: int  # captions are truncated to this many tokens (special tokens included)

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    "tiny": Preset(
        name="tiny", image_size=64, patch_size=16,
        vision_hidden=128, vision_layers=2, vision_heads=4, vision_intermediate=256,
        text_hidden=128, text_layers=2, text_heads=4, text_intermediate=256,
        max_positions=128, embed_dim=64, vocab_size=1000, max_text_tokens=40,
    ),
    "base": Preset(
        name="base", image_size=384, patch_size=16,
        vision_hidden=768, vision_layers=12, vision_heads=12, vision_intermediate=3072,
        text_hidden=768, text_layers=12, text_heads=12, text_intermediate=3072,
        max_positions=512, embed_dim=256, vocab_size=30524, max_text_tokens=40,
    ),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        from .events import TrainerError

        raise TrainerError(f'unknown preset "{name}"; allowed: {", ".join(PRESETS)}')
    return PRESETS[name]
