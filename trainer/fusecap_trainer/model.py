"""BLIP for FuseCap, built from HF transformers' BLIP blocks: a ViT image encoder, a BERT text encoder
with cross-attention (unimodal for ITC, image-grounded for ITM) and a BERT decoder with cross-attention
(LM), plus the ITC projections, the ITM head and ITC's learnable temperature — the three objectives of
BLIP pre-training (Li et al. 2022). Differences from the paper's code, on purpose: ITC uses in-batch
negatives only (no momentum encoder / queue, which pay off at 100M-pair scale, not here), and the text
encoder and decoder do not share weights.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BlipConfig, BlipTextConfig, BlipVisionConfig
from transformers.models.blip.modeling_blip import BlipVisionModel
from transformers.models.blip.modeling_blip_text import BlipTextLMHeadModel, BlipTextModel

from .presets import Preset


def blip_config(preset: Preset, tokenizer_ids: dict, vocab_size: int, label_smoothing: float) -> BlipConfig:
    vision = BlipVisionConfig(
        hidden_size=preset.vision_hidden, intermediate_size=preset.vision_intermediate,
        num_hidden_layers=preset.vision_layers, num_attention_heads=preset.vision_heads,
        image_size=preset.image_size, patch_size=preset.patch_size,
        # BlipVisionConfig defaults to 1e-10, which leaves a from-scratch ViT's linear layers at ~0.
        initializer_range=0.02,
    )
    text = BlipTextConfig(
        vocab_size=vocab_size, hidden_size=preset.text_hidden, encoder_hidden_size=preset.vision_hidden,
        intermediate_size=preset.text_intermediate, num_hidden_layers=preset.text_layers,
        num_attention_heads=preset.text_heads, max_position_embeddings=preset.max_positions,
        bos_token_id=tokenizer_ids["bos"], eos_token_id=tokenizer_ids["sep"], sep_token_id=tokenizer_ids["sep"],
        pad_token_id=tokenizer_ids["pad"], label_smoothing=label_smoothing,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    config = BlipConfig(text_config=text.to_dict(), vision_config=vision.to_dict(), image_text_hidden_size=preset.embed_dim)
    config.label_smoothing = label_smoothing
    return config


class FuseCapBlip(nn.Module):
    def __init__(self, config: BlipConfig):
        super().__init__()
        self.config = config
        text_config = config.text_config
        # Cross-attention layers exist only when is_decoder is set; the encoder is still run bidirectionally
        # (BlipTextModel.forward's is_decoder=False), exactly as HF's BlipForImageTextRetrieval does.
        text_config.is_decoder = True
        self.visual_encoder = BlipVisionModel(config.vision_config)
        self.text_encoder = BlipTextModel(text_config, add_pooling_layer=False)
        self.text_decoder = BlipTextLMHeadModel(text_config)
        embed_dim = config.image_text_hidden_size
        self.vision_proj = nn.Linear(config.vision_config.hidden_size, embed_dim)
        self.text_proj = nn.Linear(text_config.hidden_size, embed_dim)
        self.itm_head = nn.Linear(text_config.hidden_size, 2)
        self.temp = nn.Parameter(torch.tensor(0.07))

    # -- encoders ------------------------------------------------------------------------------------
    def image_embeds(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.visual_encoder(pixel_values=pixel_values).last_hidden_state

    def image_feat(self, image_embeds: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.vision_proj(image_embeds[:, 0, :]), dim=-1)

    def text_feat(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.text_encoder(input_ids=ids, attention_mask=mask, is_decoder=False).last_hidden_state
        return F.normalize(self.text_proj(out[:, 0, :]), dim=-1)

    def itm_logits(self, enc_ids, mask, image_embeds) -> torch.Tensor:
        image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=image_embeds.device)
        out = self.text_encoder(input_ids=enc_ids, attention_mask=mask, encoder_hidden_states=image_embeds,
                                encoder_attention_mask=image_atts, is_decoder=False).last_hidden_state
        return self.itm_head(out[:, 0, :])

    def decoder_logits(self, ids, mask, image_embeds) -> torch.Tensor:
        image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=image_embeds.device)
        return self.text_decoder(input_ids=ids, attention_mask=mask, encoder_hidden_states=image_embeds,
                                 encoder_attention_mask=image_atts, use_cache=False).logits

    # -- objectives ----------------------------------------------------------------------------------
    def losses(self, pixel_values, text_ids, text_mask, dec_ids, dec_labels, image_keys, mode: str,
               enc_id: int) -> dict[str, torch.Tensor]:
        """text_ids start with [CLS]; dec_ids start with [DEC] (prompt included, labels masked with -100).
        image_keys: an integer per row, equal for rows that show the same image (several captions per
        image must not count as negatives of each other)."""
        image_embeds = self.image_embeds(pixel_values)
        image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long, device=image_embeds.device)
        lm_out = self.text_decoder(input_ids=dec_ids, attention_mask=(dec_ids != self.config.text_config.pad_token_id).long(),
                                   encoder_hidden_states=image_embeds, encoder_attention_mask=image_atts,
                                   labels=dec_labels)
        losses = {"loss_lm": lm_out.loss}
        if mode == "pretrain":
            losses.update(self._itc_itm(image_embeds, text_ids, text_mask, image_keys, enc_id))
        losses["loss"] = sum(losses.values())
        return losses

    def _itc_itm(self, image_embeds, text_ids, text_mask, image_keys, enc_id) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            self.temp.clamp_(0.001, 0.5)
        image_feat = self.image_feat(image_embeds)
        text_feat = self.text_feat(text_ids, text_mask)
        sim_i2t = image_feat @ text_feat.t() / self.temp
        sim_t2i = sim_i2t.t()
        positive = (image_keys[:, None] == image_keys[None, :]).float()
        targets = positive / positive.sum(1, keepdim=True)
        loss_itc = (-(F.log_softmax(sim_i2t, dim=1) * targets).sum(1).mean()
                    - (F.log_softmax(sim_t2i, dim=1) * targets).sum(1).mean()) / 2

        # ITM with hard negatives: for each image a text, for each text an image, drawn in proportion to
        # their ITC similarity among the non-matching rows (BLIP's hard negative mining).
        enc_ids = text_ids.clone()
        enc_ids[:, 0] = enc_id
        with torch.no_grad():
            weights_i2t = F.softmax(sim_i2t.float(), dim=1).masked_fill(positive.bool(), 0)
            weights_t2i = F.softmax(sim_t2i.float(), dim=1).masked_fill(positive.bool(), 0)
            # A row whose every partner shows the same image has no negative; it only gets the positive pair.
            has_neg = weights_i2t.sum(1) > 0
            rows = has_neg.nonzero().flatten()
            neg_text = torch.multinomial(weights_i2t[rows], 1).flatten() if len(rows) else rows
            neg_image = torch.multinomial(weights_t2i[rows], 1).flatten() if len(rows) else rows
        all_ids = torch.cat([enc_ids, enc_ids[rows], enc_ids[neg_text]])
        all_mask = torch.cat([text_mask, text_mask[rows], text_mask[neg_text]])
        all_images = torch.cat([image_embeds, image_embeds[neg_image], image_embeds[rows]])
        logits = self.itm_logits(all_ids, all_mask, all_images)
        labels = torch.cat([torch.ones(len(enc_ids)), torch.zeros(2 * len(rows))]).long().to(logits.device)
        loss_itm = F.cross_entropy(logits.float(), labels)
        return {"loss_itc": loss_itc, "loss_itm": loss_itm}


def load_pretrained_blip(source: str, model: FuseCapBlip) -> None:
    """Copies weights from a HF BLIP checkpoint (local folder or hub id) into `model`.

    A captioning checkpoint (BlipForConditionalGeneration) has the ViT and the decoder; a retrieval one
    (BlipForImageTextRetrieval) has the ViT, the encoder, the projections and the ITM head. The part a
    checkpoint lacks is initialised from the text model it has (BLIP's encoder and decoder share their
    embeddings, feed-forward and cross-attention layers in the paper), the rest stays fresh.
    """
    from transformers import BlipForConditionalGeneration, BlipForImageTextRetrieval

    config = BlipConfig.from_pretrained(source)
    retrieval = "BlipForImageTextRetrieval" in (config.architectures or [])
    cls = BlipForImageTextRetrieval if retrieval else BlipForConditionalGeneration
    src = cls.from_pretrained(source)
    model.visual_encoder.load_state_dict(src.vision_model.state_dict())
    if retrieval:
        model.text_encoder.load_state_dict(src.text_encoder.state_dict(), strict=False)
        model.text_decoder.bert.load_state_dict(src.text_encoder.state_dict(), strict=False)
        model.vision_proj.load_state_dict(src.vision_proj.state_dict())
        model.text_proj.load_state_dict(src.text_proj.state_dict())
        model.itm_head.load_state_dict(src.itm_head.state_dict())
    else:
        model.text_decoder.load_state_dict(src.text_decoder.state_dict())
        model.text_encoder.load_state_dict(src.text_decoder.bert.state_dict(), strict=False)


def pretrained_config(source: str, label_smoothing: float, embed_dim: int) -> BlipConfig:
    config = copy.deepcopy(BlipConfig.from_pretrained(source))
    config.text_config.label_smoothing = label_smoothing
    config.label_smoothing = label_smoothing
    if not getattr(config, "image_text_hidden_size", None):
        config.image_text_hidden_size = embed_dim
    return config
