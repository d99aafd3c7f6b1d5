"""FuseCap's BLIP trainer: pre-training (ITC + ITM + LM) and fine-tuning (LM) on JSONL manifests,
ONNX export for the Node captioner, retrieval scoring and a reference `generate` for parity checks.

Run as `python -m fusecap_trainer {train,export,generate,score} ...`; progress goes to stdout as JSON
lines (see events.py), everything else to stderr.
"""

__version__ = "0.1.0"
