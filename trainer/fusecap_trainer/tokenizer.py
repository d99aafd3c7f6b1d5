"""BERT-style WordPiece tokenizer for captions, with BLIP's extra tokens: [DEC] starts a caption for the
decoder (LM) and [ENC] replaces [CLS] for the image-grounded encoder (ITM), as in BLIP.

Either loaded from a folder (a pretrained BLIP's tokenizer.json, or one saved with a checkpoint) or
trained on the dataset's captions. The same tokenizer.json is exported for the Node captioner, which
implements the same normalisation, pre-tokenisation and WordPiece rules (captioner/wordpiece.ts).
"""

import json
import string
from collections import Counter
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

from .events import TrainerError

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", "[ENC]"]
TOKENIZER_FILE = "tokenizer.json"


class CaptionTokenizer:
    def __init__(self, tokenizer: Tokenizer):
        missing = [t for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]") if tokenizer.token_to_id(t) is None]
        if missing:
            raise TrainerError(f"tokenizer lacks the BERT special tokens {missing}")
        # Pretrained BERT vocabularies have no [DEC]/[ENC]; BLIP appends them, so do we.
        added = [t for t in ("[DEC]", "[ENC]") if tokenizer.token_to_id(t) is None]
        if added:
            tokenizer.add_special_tokens(added)
        self.tok = tokenizer
        self.pad_id = tokenizer.token_to_id("[PAD]")
        self.unk_id = tokenizer.token_to_id("[UNK]")
        self.cls_id = tokenizer.token_to_id("[CLS]")
        self.sep_id = tokenizer.token_to_id("[SEP]")
        self.dec_id = tokenizer.token_to_id("[DEC]")
        self.enc_id = tokenizer.token_to_id("[ENC]")
        self.special_ids = {tokenizer.token_to_id(t) for t in SPECIAL_TOKENS if tokenizer.token_to_id(t) is not None}

    @property
    def vocab_size(self) -> int:
        return self.tok.get_vocab_size(with_added_tokens=True)

    def special_token_ids(self) -> dict:
        return {"pad": self.pad_id, "unk": self.unk_id, "cls": self.cls_id, "sep": self.sep_id,
                "bos": self.dec_id, "enc": self.enc_id}

    def wordpieces(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str], max_tokens: int, first_id: int) -> tuple[torch.Tensor, torch.Tensor]:
        """[first] + wordpieces + [SEP], truncated to max_tokens, right-padded with [PAD]."""
        rows = [[first_id] + self.wordpieces(t)[: max_tokens - 2] + [self.sep_id] for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        return ids, mask

    def prompt_ids(self, prompt: str) -> list[int]:
        """What generation starts from: [DEC] + the prompt's wordpieces (no [SEP])."""
        return [self.dec_id] + self.wordpieces(prompt)

    def decode(self, ids: list[int]) -> str:
        return self.tok.decode([i for i in ids if i not in self.special_ids], skip_special_tokens=True)

    def save(self, folder: Path) -> None:
        self.tok.save(str(folder / TOKENIZER_FILE))


def load_tokenizer(folder: Path) -> CaptionTokenizer:
    path = Path(folder) / TOKENIZER_FILE
    if not path.is_file():
        raise TrainerError(f"no {TOKENIZER_FILE} in {folder}")
    return CaptionTokenizer(Tokenizer.from_file(str(path)))


def train_tokenizer(captions: list[str], vocab_size: int) -> CaptionTokenizer:
    """WordPiece vocabulary built from the captions, deterministically: special tokens, every character
    seen (as a word start and as a `##` continuation, plus ASCII letters, digits and punctuation so any
    English word still encodes without [UNK]), then whole words by frequency (ties alphabetical) up to
    `vocab_size`. `tokenizers`' WordPieceTrainer is not used because it breaks frequency ties in hash-map
    order, which changes from process to process — and with it the ids, and a run's reproducibility."""
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts: Counter = Counter()
    for caption in captions:
        words = pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(caption))
        counts.update(word for word, _ in words)
    chars = set(string.ascii_lowercase + string.digits + string.punctuation)
    for word in counts:
        chars.update(word)
    vocab = list(SPECIAL_TOKENS)
    vocab += sorted(chars) + sorted("##" + c for c in chars)
    taken = set(vocab)
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if len(vocab) >= vocab_size:
            break
        if word not in taken:
            vocab.append(word)
            taken.add(word)
    tok = Tokenizer(models.WordPiece(vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(SPECIAL_TOKENS)
    return CaptionTokenizer(tok)


def tokenizer_summary(tok: CaptionTokenizer) -> str:
    return json.dumps({"vocab_size": tok.vocab_size, **tok.special_token_ids()})
