"""Scoring shards on Dask gives exactly the single-process result
(examples/dask_counts.py: map shards to nerkit.Counts, fold with +)."""

import importlib.util
import os

import pytest

pytest.importorskip("dask.bag")

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "dask_counts.py")
spec = importlib.util.spec_from_file_location("dask_counts", EXAMPLE)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

import nerkit  # noqa: E402


@pytest.mark.parametrize("scheduler", ["threads", "processes", "sync"])
@pytest.mark.parametrize("mode,scheme", [(None, None), ("strict", "IOB2")])
def test_shards_on_dask_are_the_whole(scheduler, mode, scheme):
    pairs = example.corpus(3000, seed=11)
    total = example.score_on_dask(pairs, shards=7, scheduler=scheduler, mode=mode,
                                  scheme=scheme)
    single = example.counts_of(pairs, mode=mode, scheme=scheme)
    assert total == single
    assert total.tokens == sum(len(g) for g, _ in pairs)
    assert nerkit.Evaluation.from_counts(total).to_dict() == \
        nerkit.Evaluation.from_counts(single).to_dict()
