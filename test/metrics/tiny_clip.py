"""Builds a tiny, randomly initialised CLIP (seeded) in the transformers.js folder layout, to exercise
metrics/clipscore.ts's real loading path end to end; and embeds texts / pixel tensors with the same
weights in PyTorch as the reference. The weights are random: this checks loading, tokenization and the
ONNX graphs, not CLIPScore values.

  python test/metrics/tiny_clip.py build OUT_DIR
  python test/metrics/tiny_clip.py embed OUT_DIR INPUT.json   # {"texts": [...], "pixels": [[...CHW floats...]]}
"""
import json
import os
import sys

import torch
from transformers import CLIPConfig, CLIPModel, CLIPTokenizerFast


def byte_vocab():
    # CLIP's byte-to-unicode table: printable bytes map to themselves, the rest to code points 256+.
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    chars = [chr(c) for c in cs]
    vocab = {}
    for c in chars:
        vocab[c] = len(vocab)
    for c in chars:
        vocab[c + '</w>'] = len(vocab)
    vocab['<|startoftext|>'] = len(vocab)
    vocab['<|endoftext|>'] = len(vocab)
    return vocab


def build(out):
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    vocab = byte_vocab()
    with open(os.path.join(out, 'vocab.json'), 'w') as f:
        json.dump(vocab, f)
    with open(os.path.join(out, 'merges.txt'), 'w') as f:
        f.write('#version: 0.2\n')
    tok = CLIPTokenizerFast(vocab_file=os.path.join(out, 'vocab.json'), merges_file=os.path.join(out, 'merges.txt'))
    tok.model_max_length = 77
    tok.save_pretrained(out)
    # transformers 5 writes CLIP's pipeline (normalizer, pre-tokenizer, post-processor) with a stub vocabulary;
    # put the byte vocabulary and the special token ids in, no merges: every byte is one token.
    path = os.path.join(out, 'tokenizer.json')
    with open(path) as f:
        tj = json.load(f)
    sot, eot = vocab['<|startoftext|>'], vocab['<|endoftext|>']
    tj['model']['vocab'] = vocab
    tj['model']['merges'] = []
    for t in tj['added_tokens']:
        t['id'] = sot if t['content'] == '<|startoftext|>' else eot
    tj['post_processor']['cls'] = ['<|startoftext|>', sot]
    tj['post_processor']['sep'] = ['<|endoftext|>', eot]
    with open(path, 'w') as f:
        json.dump(tj, f)
    torch.manual_seed(0)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                         max_position_embeddings=77, bos_token_id=vocab['<|startoftext|>'], eos_token_id=vocab['<|endoftext|>'],
                         pad_token_id=vocab['<|endoftext|>']),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=224, patch_size=32),
        projection_dim=16,
    )
    model = CLIPModel(cfg).eval()
    model.save_pretrained(out)
    text = TextTower(model)
    vision = VisionTower(model)
    ids = torch.tensor([[vocab['<|startoftext|>'], 5, 6, vocab['<|endoftext|>']]])
    torch.onnx.export(text, (ids, torch.ones_like(ids)), os.path.join(out, 'onnx', 'text_model.onnx'),
                      input_names=['input_ids', 'attention_mask'], output_names=['text_embeds'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'seq'}, 'attention_mask': {0: 'batch', 1: 'seq'}, 'text_embeds': {0: 'batch'}},
                      opset_version=17, dynamo=False)
    torch.onnx.export(vision, (torch.zeros(1, 3, 224, 224),), os.path.join(out, 'onnx', 'vision_model.onnx'),
                      input_names=['pixel_values'], output_names=['image_embeds'],
                      dynamic_axes={'pixel_values': {0: 'batch'}, 'image_embeds': {0: 'batch'}}, opset_version=17, dynamo=False)


class TextTower(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        out = self.m.text_model(input_ids=input_ids, attention_mask=attention_mask)
        return self.m.text_projection(out.pooler_output)


class VisionTower(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        out = self.m.vision_model(pixel_values=pixel_values)
        return self.m.visual_projection(out.pooler_output)


def embed(out, input_path):
    with open(input_path) as f:
        data = json.load(f)
    model = CLIPModel.from_pretrained(out).eval()
    tok = CLIPTokenizerFast.from_pretrained(out)
    with torch.no_grad():
        enc = tok(data['texts'], padding=True, truncation=True, max_length=77, return_tensors='pt')
        text = TextTower(model)(enc['input_ids'], enc['attention_mask'])
        image = []
        if data['pixels']:
            px = torch.tensor(data['pixels'], dtype=torch.float32).reshape(-1, 3, 224, 224)
            image = VisionTower(model)(px).tolist()
    print(json.dumps({'text': text.tolist(), 'image': image, 'input_ids': enc['input_ids'].tolist()}))


if __name__ == '__main__':
    cmd, out = sys.argv[1], sys.argv[2]
    if cmd == 'build':
        build(out)
    else:
        embed(out, sys.argv[3])
