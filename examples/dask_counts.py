#!/usr/bin/env python3
"""Score a corpus split into shards on Dask: map each shard to
``nerkit.Counts``, fold with ``+``; the result is exactly the
single-process one.

Usage: python examples/dask_counts.py [--scheduler threads|processes|sync]

The same pattern on other engines (no engine of nerkit's own):

* Spark: ``rdd.mapPartitions(lambda part: [counts_of(list(part))]).reduce(operator.add)``
  where each element is a ``(gold_tags, pred_tags)`` sentence pair.
* Ray: ``sum(ray.get([score_shard.remote(s) for s in shards]), nerkit.Counts())``
  with ``score_shard = ray.remote(counts_of)``.

``Counts`` pickles, so it crosses process boundaries; counts of different
modes or schemes refuse to add.
"""

import argparse
import operator
import random

import dask.bag as db

import nerkit
from nerkit.metrics import classification_report

TAGS = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG"]


def corpus(sentences, seed=3):
    rng = random.Random(seed)
    pairs = []
    for _ in range(sentences):
        n = rng.randint(1, 20)
        gold = [rng.choice(TAGS) for _ in range(n)]
        pred = [t if rng.random() < 0.9 else rng.choice(TAGS) for t in gold]
        pairs.append((gold, pred))
    return pairs


def counts_of(shard, mode=None, scheme=None):
    """One shard (a list of (gold, pred) sentence pairs) to Counts."""
    gold = [g for g, _ in shard]
    pred = [p for _, p in shard]
    return nerkit.Counts.from_lists(gold, pred, mode=mode, scheme=scheme)


def score_on_dask(pairs, shards=8, scheduler="threads", mode=None, scheme=None):
    size = max(1, len(pairs) // shards)
    bag = db.from_sequence([pairs[i:i + size] for i in range(0, len(pairs), size)],
                           npartitions=shards)
    total = bag.map(counts_of, mode=mode, scheme=scheme).fold(operator.add)
    return total.compute(scheduler=scheduler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", default="threads", choices=["threads", "processes", "sync"])
    ap.add_argument("--sentences", type=int, default=20000)
    args = ap.parse_args()
    pairs = corpus(args.sentences)
    total = score_on_dask(pairs, scheduler=args.scheduler)
    single = counts_of(pairs)
    assert total == single
    print(total)
    print(nerkit.Evaluation.from_counts(total).micro)
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    print(classification_report(gold, pred, digits=4))


if __name__ == "__main__":
    main()
