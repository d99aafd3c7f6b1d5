"""The BLIP text decoder split for incremental decoding with a key/value cache, for the ONNX export:

  CrossKV      encoder_hidden_states [B, P, Hv] -> per layer cross-attention keys and values [B, h, P, d]
               (computed once per image: they depend only on the image)
  DecoderStep  input_ids [B, t] (the tokens not yet seen), per layer past self-attention keys/values
               [B, h, T, d] (T may be 0) and the cross keys/values -> logits of the last position [B, V]
               and the present keys/values [B, h, T + t, d]

Built from the HF BlipTextLMHeadModel's own submodules (same weights), computing what its forward
computes: embeddings at positions T..T+t-1, per layer causal self-attention over past + new tokens,
cross-attention over the image (all image tokens visible), feed-forward, then the LM head. The test
(test/captioner/onnx-captioner.test.ts) holds the cached ONNX decoder to the uncached PyTorch model's
tokens.
"""

import math

import torch
from torch import nn


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    b, t, c = x.shape
    return x.view(b, t, heads, c // heads).transpose(1, 2)


class CrossKV(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.layers = model.text_decoder.bert.encoder.layer
        self.heads = model.config.text_config.num_attention_heads

    def forward(self, encoder_hidden_states):
        out = []
        for layer in self.layers:
            attn = layer.crossattention.self
            out += [_heads(attn.key(encoder_hidden_states), self.heads), _heads(attn.value(encoder_hidden_states), self.heads)]
        return tuple(out)


class DecoderStep(nn.Module):
    def __init__(self, model):
        super().__init__()
        decoder = model.text_decoder
        self.embeddings = decoder.bert.embeddings
        self.layers = decoder.bert.encoder.layer
        self.cls = decoder.cls
        self.heads = model.config.text_config.num_attention_heads

    @staticmethod
    def _attend(query, key, value, mask=None):
        scores = query @ key.transpose(-1, -2) / math.sqrt(query.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        context = torch.softmax(scores, dim=-1) @ value
        b, h, t, d = context.shape
        return context.transpose(1, 2).reshape(b, t, h * d)

    def forward(self, input_ids, *caches):
        n = len(self.layers)
        past, cross = caches[: 2 * n], caches[2 * n:]
        past_len = past[0].shape[2]
        new_len = input_ids.shape[1]
        positions = torch.arange(new_len, device=input_ids.device) + past_len
        emb = self.embeddings
        x = emb.LayerNorm(emb.word_embeddings(input_ids) + emb.position_embeddings(positions)[None])
        # New token i (absolute position past_len + i) sees keys 0 .. past_len + i.
        keys_pos = torch.arange(past_len + new_len, device=input_ids.device)
        causal = (keys_pos[None, :] <= positions[:, None])[None, None]
        presents = []
        for i, layer in enumerate(self.layers):
            sa = layer.attention.self
            key = torch.cat([past[2 * i], _heads(sa.key(x), self.heads)], dim=2)
            value = torch.cat([past[2 * i + 1], _heads(sa.value(x), self.heads)], dim=2)
            presents += [key, value]
            attended = layer.attention.output(self._attend(_heads(sa.query(x), self.heads), key, value, causal), x)
            ca = layer.crossattention.self
            crossed = layer.crossattention.output(
                self._attend(_heads(ca.query(attended), self.heads), cross[2 * i], cross[2 * i + 1]), attended)
            x = layer.output(layer.intermediate(crossed), crossed)
        logits = self.cls(x[:, -1:, :])[:, 0, :]
        return (logits, *presents)
