#!/usr/bin/env python3
"""Differential test of `nerkit eval --match all` against nervaluate 1.2.1.

Creates a venv in a temporary directory, installs nervaluate==1.2.1 from
PyPI into it (skipping with a printed reason, exit 0, when pip cannot), then
scores generated IOB2 data both ways and compares the overall COR, INC,
PAR, MIS and SPU of each schema:

* strict, exact and partial must always agree: nervaluate's greedy loop
  (each prediction in order takes the first unclaimed gold entity it
  overlaps) finds a maximum matching on spans that do not overlap within a
  side, and their counts depend only on how many pairs there are;
* type (nervaluate's ent_type) must agree on sentences where no entity
  overlaps two entities of the other side (greedy and optimal then pick the
  same pairs); elsewhere nerkit's COR must be at least nervaluate's, since
  nervaluate can give a gold entity to a prediction of the wrong type
  (README, "Where nervaluate differs").

Per-type rows are not compared: nervaluate scores each type on its own
entities only, nerkit attributes pairs to the gold type (see
src/eval/analysis/matching.rs).

Usage: scripts/nervaluate-check.py [path/to/nerkit]   (default: cargo build)
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ["PER", "LOC", "ORG"]
FIELDS = ["cor", "inc", "par", "mis", "spu"]
NV_NAMES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


def install(tmp):
    env_dir = os.path.join(tmp, "venv")
    venv.create(env_dir, with_pip=True)
    py = os.path.join(env_dir, "bin", "python")
    r = subprocess.run(
        [py, "-m", "pip", "install", "-q", "nervaluate==1.2.1"],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        return None, r.stderr.strip().splitlines()[-1:] or ["pip failed"]
    return py, None


def entities(rng, n):
    """Non-overlapping entities (start, end exclusive, label) in n tokens."""
    out, i = [], 0
    while i < n:
        if rng.random() < 0.35:
            length = rng.choice([1, 1, 2, 2, 3, 4])
            end = min(n, i + length)
            out.append((i, end, rng.choice(TYPES)))
            i = end
            if rng.random() < 0.3:
                i += 1
        else:
            i += 1
    return out


def tags(ents, n):
    t = ["O"] * n
    for s, e, label in ents:
        t[s] = "B-" + label
        for k in range(s + 1, e):
            t[k] = "I-" + label
    return t


def simple(gold, pred):
    """No entity overlaps two entities of the other side."""
    def deg(a, b):
        return [sum(1 for y in b if x[0] < y[1] and y[0] < x[1]) for x in a]
    return max(deg(gold, pred) + deg(pred, gold) + [0]) <= 1


def nerkit_counts(nerkit, tmp, sentences, min_overlap):
    gold_path = os.path.join(tmp, "gold.conll")
    pred_path = os.path.join(tmp, "pred.conll")
    with open(gold_path, "w") as g, open(pred_path, "w") as p:
        for n, gold, pred in sentences:
            for k, (a, b) in enumerate(zip(tags(gold, n), tags(pred, n))):
                g.write(f"w{k}\t{a}\n")
                p.write(f"w{k}\t{b}\n")
            g.write("\n")
            p.write("\n")
    args = [nerkit, "eval", "--match", "all", "--format", "json"]
    if min_overlap is not None:
        args += ["--min-overlap", str(min_overlap)]
    out = subprocess.run(args + [gold_path, pred_path], capture_output=True, text=True, check=True)
    s = json.loads(out.stdout)["schemas"]
    return {k: {f: s[k]["overall"][f] for f in FIELDS} for k in NV_NAMES}


NV_SCRIPT = r"""
import json, sys
from nervaluate import Evaluator
data = json.load(sys.stdin)
def docs(side):
    return [[{"label": l, "start": s, "end": e - 1} for s, e, l in d] for d in side]
kw = {}
if data["min"] is not None:
    kw["min_overlap_percentage"] = data["min"] * 100.0
ev = Evaluator(docs(data["gold"]), docs(data["pred"]), tags=data["types"], loader="dict", **kw)
res = ev.evaluate()["overall"]
print(json.dumps({k: {"cor": v.correct, "inc": v.incorrect, "par": v.partial,
                      "mis": v.missed, "spu": v.spurious} for k, v in res.items()}))
"""


def nervaluate_counts(py, sentences, min_overlap):
    payload = {
        "gold": [g for _, g, _ in sentences],
        "pred": [p for _, _, p in sentences],
        "types": TYPES,
        "min": min_overlap,
    }
    out = subprocess.run(
        [py, "-c", NV_SCRIPT], input=json.dumps(payload), capture_output=True, text=True, check=True
    )
    raw = json.loads(out.stdout)
    return {k: raw[v] for k, v in NV_NAMES.items()}


def generate(rng, count, only_simple):
    out = []
    while len(out) < count:
        n = rng.randint(1, 25)
        gold = entities(rng, n)
        pred = entities(rng, n)
        if only_simple and not simple(gold, pred):
            continue
        out.append((n, gold, pred))
    return out


def main():
    if len(sys.argv) > 1:
        nerkit = os.path.abspath(sys.argv[1])
    else:
        subprocess.run(["cargo", "build", "-q"], cwd=ROOT, check=True)
        nerkit = os.path.join(ROOT, "target", "debug", "nerkit")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        py, why = install(tmp)
        if py is None:
            print("nervaluate check skipped: cannot install nervaluate==1.2.1:", " ".join(why))
            return 0
        rng = random.Random(15)
        for min_overlap in [None, 0.5]:
            for only_simple in [True, False]:
                for _ in range(20):
                    sentences = generate(rng, 40, only_simple)
                    ours = nerkit_counts(nerkit, tmp, sentences, min_overlap)
                    theirs = nervaluate_counts(py, sentences, min_overlap)
                    for schema in NV_NAMES:
                        a, b = ours[schema], theirs[schema]
                        if schema == "type" and not only_simple:
                            ok = a["cor"] >= b["cor"]
                        else:
                            ok = a == b
                        if not ok:
                            failures += 1
                            print(f"DIFFERENT {schema} min_overlap={min_overlap} "
                                  f"simple={only_simple}: nerkit {a} nervaluate {b}")
                            print(json.dumps(sentences))
        print("nervaluate check:", "FAILED" if failures else "ok",
              f"({failures} differences)" if failures else "(160 corpora, 4 schemas)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
