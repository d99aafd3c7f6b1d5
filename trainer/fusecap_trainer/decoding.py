"""Greedy and beam search over a next-token function — the reference for captioner/decode.ts, which
implements the same rules so that the ONNX captioner and PyTorch give the same tokens:

- Every sequence starts from the prompt ids ([DEC] + prompt wordpieces) and grows one token per step; at
  most `max_new` tokens are generated; [SEP] ends a sequence (and is not part of the caption).
- Scores are log-softmax of the logits computed in float64.
- Greedy: the highest logit wins; on an exact tie the lowest token id.
- Beam (k beams): the first step expands the single prompt. Each step ranks all (beam, token) candidates
  by score (descending), ties by beam rank then token id (ascending), and walks the first 2k: a [SEP]
  candidate becomes a finished hypothesis with score / (generated tokens incl. [SEP]); any other fills
  the next beams until there are k. The search stops once k hypotheses have finished or `max_new` tokens
  were generated (live beams then finish as they are). The best normalised score wins; on a tie the
  hypothesis that finished first.
"""

from collections.abc import Callable

import torch

# next_logits(ids [R, T] long, rows [R] long: which image each sequence belongs to) -> logits [R, V]
NextLogits = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def greedy(next_logits: NextLogits, n_images: int, prompt: list[int], eos: int, max_new: int) -> list[list[int]]:
    seqs = [list(prompt) for _ in range(n_images)]
    out: list[list[int] | None] = [None] * n_images
    live = list(range(n_images))
    for _ in range(max_new):
        ids = torch.tensor([seqs[i] for i in live], dtype=torch.long)
        logits = next_logits(ids, torch.tensor(live, dtype=torch.long)).double()
        best = torch.argmax(logits, dim=-1).tolist()  # first maximum = lowest id on ties
        still = []
        for i, token in zip(live, best):
            if token == eos:
                out[i] = seqs[i][len(prompt):]
            else:
                seqs[i].append(token)
                still.append(i)
        live = still
        if not live:
            break
    for i in live:
        out[i] = seqs[i][len(prompt):]
    return out  # type: ignore[return-value]


def beam_search(next_logits: NextLogits, n_images: int, prompt: list[int], eos: int, max_new: int,
                beams: int) -> list[list[int]]:
    # Per image: live beams as (score, tokens); finished as (normalised score, tokens).
    live = [[(0.0, list(prompt))] for _ in range(n_images)]
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(n_images)]
    done = [False] * n_images
    for generated in range(max_new):
        rows, seqs = [], []
        for i in range(n_images):
            if not done[i]:
                for _, tokens in live[i]:
                    rows.append(i)
                    seqs.append(tokens)
        if not rows:
            break
        logprobs = torch.log_softmax(next_logits(torch.tensor(seqs, dtype=torch.long), torch.tensor(rows)).double(), dim=-1)
        cursor = 0
        for i in range(n_images):
            if done[i]:
                continue
            count = len(live[i])
            block = logprobs[cursor: cursor + count]
            cursor += count
            scores = torch.tensor([s for s, _ in live[i]], dtype=torch.float64)[:, None] + block
            vocab = scores.shape[1]
            flat = scores.flatten()
            # Stable sort on -score keeps flat order (beam rank, then token id) among exact ties.
            order = torch.sort(-flat, stable=True).indices[: 2 * beams].tolist()
            next_live = []
            for index in order:
                beam, token = divmod(index, vocab)
                score = float(flat[index])
                tokens = live[i][beam][1]
                if token == eos:
                    finished[i].append((score / (generated + 1), tokens[len(prompt):]))
                else:
                    next_live.append((score, tokens + [token]))
                if len(next_live) == beams:
                    break
            live[i] = next_live
            if len(finished[i]) >= beams:
                done[i] = True
    results = []
    for i in range(n_images):
        if not done[i]:
            for score, tokens in live[i]:
                finished[i].append((score / max_new, tokens[len(prompt):]))
        best = max(range(len(finished[i])), key=lambda j: (finished[i][j][0], -j))
        results.append(finished[i][best][1])
    return results
