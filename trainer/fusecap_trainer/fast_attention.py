"""SDPA attention for HF BLIP's modules, which in transformers 5.17 only compute attention eagerly
(matmul → softmax → matmul, materialising every [B, heads, T, S] probability matrix). Swapping in
torch.nn.functional.scaled_dot_product_attention lets CUDA use its fused flash / memory-efficient
kernels: the same maths, less memory traffic. Used for training (not export: ONNX gets the eager graph).

The patched forwards keep the modules' weights and signatures; cached decoding (past_key_values) falls
back to the original forward. Attention probabilities are not returned (None), so nothing may ask for
output_attentions while patched.
"""

import types

import torch
import torch.nn.functional as F
from transformers.models.blip.modeling_blip import BlipAttention
from transformers.models.blip.modeling_blip_text import BlipTextSelfAttention


def _vision_forward(self, hidden_states, **kwargs):
    b, t, c = hidden_states.shape
    qkv = self.qkv(hidden_states).reshape(b, t, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
    out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], dropout_p=self.dropout.p if self.training else 0.0,
                                         scale=self.scale)
    return self.projection(out.transpose(1, 2).reshape(b, t, c)), None


def _text_forward(self, hidden_states, attention_mask=None, encoder_hidden_states=None, encoder_attention_mask=None,
                  past_key_values=None, **kwargs):
    if past_key_values is not None:
        return self._eager_forward(hidden_states, attention_mask, encoder_hidden_states, encoder_attention_mask,
                                   past_key_values, **kwargs)
    shape = (*hidden_states.shape[:-1], -1, self.attention_head_size)
    query = self.query(hidden_states).view(shape).transpose(1, 2)
    source = encoder_hidden_states if encoder_hidden_states is not None else hidden_states
    mask = encoder_attention_mask if encoder_hidden_states is not None else attention_mask
    kv_shape = (*source.shape[:-1], -1, self.attention_head_size)
    key = self.key(source).view(kv_shape).transpose(1, 2)
    value = self.value(source).view(kv_shape).transpose(1, 2)
    if mask is not None and mask.dtype != torch.bool:
        mask = mask.to(query.dtype)  # HF builds additive float32 masks; SDPA wants the query's dtype (bf16 under autocast)
    out = F.scaled_dot_product_attention(query, key, value, attn_mask=mask,
                                         dropout_p=self.dropout.p if self.training else 0.0)
    out = out.transpose(1, 2).reshape(*hidden_states.shape[:-1], self.all_head_size)
    return out, None


def use_sdpa(model: torch.nn.Module) -> int:
    """Patches every BLIP attention module inside `model`; returns how many were patched."""
    patched = 0
    for module in model.modules():
        if isinstance(module, BlipAttention):
            module.forward = types.MethodType(_vision_forward, module)
            patched += 1
        elif isinstance(module, BlipTextSelfAttention):
            module._eager_forward = module.forward
            module.forward = types.MethodType(_text_forward, module)
            patched += 1
    return patched
