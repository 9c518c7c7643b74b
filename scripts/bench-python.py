#!/usr/bin/env python3
"""nerkit.metrics against seqeval 1.2.2 on one corpus held in memory.

Usage: scripts/bench-python.py [--tokens N] [--repeat R]

Builds a seeded random corpus of N tokens (sentences of 5-40 tokens, IOB2
tags from a CoNLL-2003-like label list, predictions that disagree on about
a tenth of the entities), then times, each in a fresh interpreter so that
peak memory is its own: seqeval's and nerkit's ``f1_score`` in default mode
and in strict mode (IOB2), and ``classification_report`` in both. The time
includes everything a training loop pays (reading the Python lists); the
corpus is built before the clock starts. Peak memory is the child's maximum
resident set size minus its size after building the corpus.

Needs seqeval==1.2.2 and nerkit installed in the running interpreter.
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]


def build(tokens, seed=17):
    """Gold and predicted tags, drawn as a tagger's output is: each tag is
    one of a few shared str objects (``id2label[i]``)."""
    rng = random.Random(seed)
    id2label = {i: label for i, label in enumerate(LABELS)}
    types = ["PER", "LOC", "ORG", "MISC"]
    index = {label: i for i, label in id2label.items()}
    y_true, y_pred = [], []
    n = 0
    while n < tokens:
        length = min(rng.randint(5, 40), tokens - n)
        gold, pred = [], []
        i = 0
        while i < length:
            if rng.random() < 0.2:
                ty = rng.choice(types)
                span = min(length - i, rng.randint(1, 3))
                ptype = ty if rng.random() > 0.1 else rng.choice(types)
                for k in range(span):
                    g = id2label[index[("B-" if k == 0 else "I-") + ty]]
                    p = id2label[index[("B-" if k == 0 else "I-") + ptype]]
                    gold.append(g)
                    pred.append(p)
                i += span
            else:
                gold.append(id2label[0])
                pred.append(id2label[0] if rng.random() > 0.01 else id2label[1])
                i += 1
        y_true.append(gold)
        y_pred.append(pred)
        n += length
    return y_true, y_pred


def child(lib, what, tokens, repeat):
    y_true, y_pred = build(tokens)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if lib == "seqeval":
        from seqeval import metrics
        from seqeval.scheme import IOB2 as scheme
    else:
        from nerkit import metrics
        from nerkit.scheme import IOB2 as scheme
    fn, kwargs = {
        "f1 default": (metrics.f1_score, {}),
        "f1 strict": (metrics.f1_score, {"mode": "strict", "scheme": scheme}),
        "report default": (metrics.classification_report, {"digits": 4}),
        "report strict": (metrics.classification_report,
                          {"digits": 4, "mode": "strict", "scheme": scheme}),
    }[what]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(y_true, y_pred, **kwargs)
        best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    print(json.dumps({"seconds": best, "peak_kib": peak, "result": str(result)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="nerkit runs (best is kept)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.tokens, args.repeat)
        return

    def run(lib, what, repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--tokens", str(args.tokens), "--repeat", str(repeat),
             "--child", lib, what],
            check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    print("{} tokens in memory; seconds per call (nerkit: best of {}), peak extra memory"
          .format(args.tokens, args.repeat))
    print("{:<16} {:>10} {:>10} {:>8} {:>12} {:>12}".format(
        "call", "seqeval s", "nerkit s", "speedup", "seqeval MiB", "nerkit MiB"))
    worst = float("inf")
    for what in ("f1 default", "f1 strict", "report default", "report strict"):
        s = run("seqeval", what, 1)
        n = run("nerkit", what, args.repeat)
        if what.startswith("report"):
            assert s["result"] == n["result"], (s["result"], n["result"])
        else:
            assert float(s["result"]) == float(n["result"]), (s["result"], n["result"])
        speedup = s["seconds"] / n["seconds"]
        worst = min(worst, speedup)
        print("{:<16} {:>10.3f} {:>10.4f} {:>7.0f}x {:>12.1f} {:>12.1f}".format(
            what, s["seconds"], n["seconds"], speedup, s["peak_kib"] / 1024,
            n["peak_kib"] / 1024))
    print("smallest speedup: {:.0f}x (results equal)".format(worst))


if __name__ == "__main__":
    main()
