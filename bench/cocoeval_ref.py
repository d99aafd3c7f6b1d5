"""Reference runner: the COCO caption toolkit (pycocoevalcap) on a JSON file, for parity checks and timing.

Input JSON: {"references": {id: [caption, ...]}, "candidates": {id: caption}}.
Output (stdout, one JSON object): tokenized captions, corpus and per-image scores, wall-clock timings.

Scores under "pycocoevalcap" come from the installed package itself (PTBTokenizer jar, Bleu(4), Meteor,
Rouge, Cider). Scores under "reference" come from two small implementations in this file, written from
the algorithm of pyciderevalcap (vrama91/cider): `cider_original` (cider_scorer.py: TF-IDF cosine, no
clipping, no length penalty) and `cider_d` (ciderD_scorer.py: clipped weights and Gaussian length
penalty). Both use corpus-mode document frequencies over the references.

Usage: python bench/cocoeval_ref.py INPUT.json [--metrics bleu,meteor,rouge,cider,ref] [--tokenize-only]
"""
import argparse
import json
import math
import sys
import time
from collections import Counter


def ngram_counts(sentence, n=4):
    toks = sentence.split()
    return Counter(tuple(toks[i:i + k]) for k in range(1, n + 1) for i in range(len(toks) - k + 1))


def cider_family(cands, refs, clipped, sigma=6.0, n=4):
    """cands: list of tokenized strings; refs: list of lists of tokenized strings (same order)."""
    ref_counts = [[ngram_counts(r, n) for r in rs] for rs in refs]
    df = Counter()
    for rcs in ref_counts:
        df.update(set(g for rc in rcs for g in rc))
    log_images = math.log(float(len(refs)))

    def weights(counts):
        vec = [dict() for _ in range(n)]
        sq = [0.0] * n
        bigrams = 0  # the toolkit's "length" is the bigram count
        for g, tf in counts.items():
            k = len(g) - 1
            w = tf * (log_images - math.log(max(1.0, df.get(g, 0.0))))
            vec[k][g] = w
            sq[k] += w * w
            if k == 1:
                bigrams += tf
        return vec, [math.sqrt(s) for s in sq], bigrams

    per_image = []
    for cand, rcs in zip(cands, ref_counts):
        hv, hn, hl = weights(ngram_counts(cand, n))
        total = [0.0] * n
        for rc in rcs:
            rv, rn, rl = weights(rc)
            gauss = math.exp(-((hl - rl) ** 2) / (2 * sigma ** 2)) if clipped else 1.0
            for k in range(n):
                dot = sum((min(w, rv[k].get(g, 0.0)) if clipped else w) * rv[k].get(g, 0.0) for g, w in hv[k].items())
                if hn[k] != 0 and rn[k] != 0:
                    dot /= hn[k] * rn[k]
                total[k] += dot * gauss
        per_image.append(sum(total) / n / len(rcs) * 10.0)
    return sum(per_image) / len(per_image), per_image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('input')
    ap.add_argument('--metrics', default='bleu,meteor,rouge,cider,ref')
    ap.add_argument('--tokenize-only', action='store_true')
    args = ap.parse_args()
    # pycocoevalcap prints progress (Bleu's verbose counts) on stdout; keep stdout for the one JSON result.
    result_stream, sys.stdout = sys.stdout, sys.stderr
    with open(args.input, encoding='utf-8') as f:
        data = json.load(f)
    wanted = set(args.metrics.split(','))

    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    timings = {}
    ids = list(data['candidates'].keys())
    t0 = time.perf_counter()
    tok = PTBTokenizer()
    gts = tok.tokenize({i: [{'caption': c} for c in data['references'][i]] for i in ids})
    res = tok.tokenize({i: [{'caption': data['candidates'][i]}] for i in ids})
    timings['tokenize'] = time.perf_counter() - t0
    out = {'imageIds': ids, 'tokenized': {'references': [gts[i] for i in ids], 'candidates': [res[i][0] for i in ids]}}
    if args.tokenize_only:
        result_stream.write(json.dumps(out) + '\n')
        return

    corpus, per_image = {}, {}

    def run(name, scorer, keys):
        t = time.perf_counter()
        score, scores = scorer.compute_score(gts, res)
        timings[name] = time.perf_counter() - t
        if isinstance(keys, list):
            for k, s, ss in zip(keys, score, scores):
                corpus[k] = float(s)
                per_image[k] = [float(x) for x in ss]
        else:
            corpus[keys] = float(score)
            per_image[keys] = [float(x) for x in scores]

    if 'bleu' in wanted:
        from pycocoevalcap.bleu.bleu import Bleu
        run('bleu', Bleu(4), ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4'])
    if 'meteor' in wanted:
        from pycocoevalcap.meteor.meteor import Meteor
        t = time.perf_counter()
        m = Meteor()
        timings['meteor_start'] = time.perf_counter() - t
        run('meteor', m, 'METEOR')
        del m
    if 'rouge' in wanted:
        from pycocoevalcap.rouge.rouge import Rouge
        run('rouge', Rouge(), 'ROUGE_L')
    if 'cider' in wanted:
        from pycocoevalcap.cider.cider import Cider
        run('cider', Cider(), 'CIDEr')
    out['pycocoevalcap'] = {'corpus': corpus, 'perImage': per_image}

    if 'ref' in wanted:
        cands = [res[i][0] for i in ids]
        refs = [gts[i] for i in ids]
        ref_corpus, ref_per = {}, {}
        t = time.perf_counter()
        ref_corpus['CIDEr-D'], ref_per['CIDEr-D'] = cider_family(cands, refs, clipped=True)
        ref_corpus['CIDEr'], ref_per['CIDEr'] = cider_family(cands, refs, clipped=False)
        timings['reference_cider'] = time.perf_counter() - t
        out['reference'] = {'corpus': ref_corpus, 'perImage': ref_per}

    out['timings_s'] = timings
    result_stream.write(json.dumps(out) + '\n')


if __name__ == '__main__':
    sys.exit(main())
