"""nerkit.evaluate(match=..., bootstrap=...) and nerkit.compare (issue 17,
item 3): the error analysis, bootstrap intervals and paired tests.

Inputs, all inside the repository:

* data/classes.{gold,pred}.conll: hand-made CoNLL columns (token, tag), one
  sentence per error class of the analysis (src/eval/analysis/taxonomy.rs);
* corpora/wnut17/: the WNUT-17 test set and two submissions (arcada,
  uh_ritual), whose numbers the repository README prints;
* tests/data/python/*.json: what ``nerkit eval --format json`` prints for
  them, kept by the Rust test tests/python_json.rs (which fails when the
  CLI's output changes), so the CLI and the Python package are compared
  without running the binary here.
"""

import json
import os
import random

import pytest

import nerkit

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLD = os.path.join(ROOT, "corpora/wnut17/emerging.test.annotated")
ARCADA = os.path.join(ROOT, "corpora/wnut17/submissions/arcada")
UH_RITUAL = os.path.join(ROOT, "corpora/wnut17/submissions/uh_ritual")
# The names the CLI gives the systems in the golden files (it ran in ROOT).
NAMES = {"corpora/wnut17/submissions/arcada": ARCADA,
         "corpora/wnut17/submissions/uh_ritual": UH_RITUAL}
CLASSES_GOLD = os.path.join(HERE, "data", "classes.gold.conll")
CLASSES_PRED = os.path.join(HERE, "data", "classes.pred.conll")
PLAIN = ("mode", "scheme", "tokens", "sentences", "accuracy", "micro", "macro", "weighted",
         "types", "ill_formed", "notes")


def tags_of(path):
    """The tag column of a CoNLL file, as lists of lists."""
    sentences, current = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                if current:
                    sentences.append(current)
                current = []
            else:
                current.append(line.split()[-1])
    if current:
        sentences.append(current)
    return sentences


def golden(name):
    with open(os.path.join(ROOT, "tests/data/python", name), encoding="utf-8") as f:
        return json.load(f)


def assert_same_as_cli(d, cli):
    """``Evaluation.to_dict()`` against one system of the CLI's JSON: the
    plain report's members at the top level, the analysis's as the CLI
    writes them; the golden files keep 10 instances of the CLI's all."""
    assert {k: d[k] for k in PLAIN} == cli["report"]
    for k, v in cli.items():
        if k in ("system", "report"):
            continue
        if k == "errors":
            assert d["errors"]["total"] == v["total"]
            assert d["errors"]["instances"] == v["instances"]
            assert d["errors"]["kept"] == len(v["instances"])
        else:
            assert d[k] == v, k
    assert set(d) == set(PLAIN) | (set(cli) - {"system", "report"})


# The hand-made case: one sentence per class.

def test_every_schema_and_class_on_a_hand_made_case():
    e = nerkit.evaluate(tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED), match="all")
    s = {name: r.overall for name, r in e.schemas.items()}
    counts = lambda c: (c.cor, c.inc, c.par, c.mis, c.spu, c.possible, c.actual)
    assert counts(s["strict"]) == (1, 7, 0, 2, 2, 10, 10)
    assert counts(s["exact"]) == (2, 6, 0, 2, 2, 10, 10)
    assert counts(s["partial"]) == (2, 0, 6, 2, 2, 10, 10)
    assert counts(s["type"]) == (6, 2, 0, 2, 2, 10, 10)
    assert s["partial"].precision == (2 + 6 / 2) / 10
    per = e.schemas["strict"].types
    assert counts(per["PER"]) == (1, 5, 0, 0, 0, 6, 6)
    assert counts(per["LOC"]) == (0, 1, 0, 2, 0, 3, 1)
    assert counts(per["ORG"]) == (0, 1, 0, 0, 2, 1, 3)
    nonzero = lambda side: {t: {c: n for c, n in cs.items() if n}
                            for t, cs in e.classes[side].items()}
    assert nonzero("gold") == {
        "LOC": {"missed": 1, "merged": 2},
        "ORG": {"split": 1},
        "PER": {"correct": 1, "wrong-type": 1, "too-long": 1, "too-short": 1, "shifted": 1,
                "boundary-type": 1},
    }
    assert nonzero("pred") == {
        "LOC": {"wrong-type": 1, "boundary-type": 1, "merged": 1},
        "ORG": {"spurious": 1, "split": 2},
        "PER": {"correct": 1, "too-long": 1, "too-short": 1, "shifted": 1},
    }
    assert e.confusion == [(None, "ORG", 2), ("LOC", None, 2), ("LOC", "LOC", 1),
                           ("ORG", "ORG", 1), ("PER", "LOC", 2), ("PER", "PER", 4)]
    # The plain scores are seqeval's, and the strict schema agrees with them.
    assert (e.mode, e.micro.correct, e.micro.gold, e.micro.pred) == ("seqeval", 1, 10, 10)
    assert e.bootstrap is None and e.errors == [] and e.errors_total == 9


def test_match_chooses_the_schemas():
    g, p = tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED)
    assert set(nerkit.evaluate(g, p, match="partial").schemas) == {"partial"}
    assert set(nerkit.evaluate(g, p, match="strict,type").schemas) == {"strict", "type"}
    assert set(nerkit.evaluate(g, p, match=["exact", "strict"]).schemas) == {"exact", "strict"}
    assert set(nerkit.evaluate(g, p, errors=1).schemas) == {"strict", "exact", "partial", "type"}
    assert set(nerkit.evaluate(g, p, match="all").schemas) == {"strict", "exact", "partial",
                                                                "type"}
    assert nerkit.evaluate(g, p).schemas is None
    with pytest.raises(ValueError, match="schema"):
        nerkit.evaluate(g, p, match="fuzzy")


def test_lists_and_files_give_the_same_analysis():
    for mode, scheme in ((None, None), ("strict", "IOB2")):
        lists = nerkit.evaluate(tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED), mode=mode,
                                scheme=scheme, match="all", errors=100)
        files = nerkit.evaluate(CLASSES_GOLD, CLASSES_PRED, mode=mode, scheme=scheme,
                                match="all", errors=100)
        assert lists.schemas == files.schemas
        assert lists.classes == files.classes
        assert lists.confusion == files.confusion
        assert lists.errors_total == files.errors_total == 9
        # The same instances, but lists have no token texts, and their
        # lines are sentence numbers.
        strip = lambda i: {k: v for k, v in i.items()
                           if k not in ("context", "gold_line", "pred_line")}
        assert [strip(i) for i in lists.errors] == [strip(i) for i in files.errors]
        assert all(set(i["context"]) == {"_"} for i in lists.errors)
        assert [i["gold_line"] for i in lists.errors] == [i["sentence"] for i in lists.errors]
        assert files.errors[0]["context"] == ["Paris", "wins"]


def test_map_and_ignore_change_the_analysis_only():
    g, p = tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED)
    e = nerkit.evaluate(g, p, match="strict", map={"LOC": "PER"}, ignore=["ORG"])
    c = e.schemas["strict"].overall
    assert (c.cor, c.inc, c.par, c.mis, c.spu) == (2, 5, 0, 2, 0)
    assert list(e.schemas["strict"].types) == ["PER"]
    assert set(e.classes["gold"]) == {"PER"}
    assert (e.map, e.ignore) == ({"LOC": "PER"}, ["ORG"])
    assert e.micro.correct == 1 and set(e.types) == {"LOC", "ORG", "PER"}
    d = e.to_dict()
    assert d["map"] == [{"from": "LOC", "to": "PER"}] and d["ignore"] == ["ORG"]
    files = nerkit.evaluate(CLASSES_GOLD, CLASSES_PRED, match="strict", map={"LOC": "PER"},
                            ignore=["ORG"])
    assert files.schemas == e.schemas and files.classes == e.classes
    with pytest.raises(TypeError, match="map"):
        nerkit.evaluate(g, p, map=[("LOC", "PER")])


def test_min_overlap_pairs_only_entities_that_overlap_enough():
    # The too-short prediction covers 2 of 3 gold tokens; the shifted and
    # too-long ones 1 of 2 and 1 of 1.
    g, p = tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED)
    loose = nerkit.evaluate(g, p, match="partial").schemas["partial"].overall
    strict = nerkit.evaluate(g, p, match="partial", min_overlap=0.6).schemas["partial"].overall
    assert strict.par < loose.par and strict.mis > loose.mis
    assert nerkit.evaluate(g, p, match="partial", min_overlap=0.6).min_overlap_percent == 60.0
    with pytest.raises(ValueError, match="min_overlap"):
        nerkit.evaluate(g, p, min_overlap=50)


def test_errors_lists_the_first_instances():
    g, p = tags_of(CLASSES_GOLD), tags_of(CLASSES_PRED)
    e = nerkit.evaluate(g, p, errors=3)
    assert len(e.errors) == 3 and e.errors_total == 9
    first = e.errors[0]
    assert first == {
        "class": "missed", "sentence": 2, "gold_line": 2, "pred_line": 2,
        "gold": [{"label": "LOC", "start": 0, "end": 1, "class": "missed"}], "pred": [],
        "context_start": 0, "context": ["_", "_"],
    }
    assert [i["class"] for i in e.errors] == ["missed", "spurious", "wrong-type"]
    f = nerkit.evaluate(CLASSES_GOLD, CLASSES_PRED, errors=2)
    assert f.errors[1]["context"] == ["Apple", "fell"]
    assert (f.errors[1]["gold_line"], f.errors[1]["sentence"]) == (8, 3)
    d = f.to_dict()["errors"]
    assert (d["total"], d["kept"], len(d["instances"])) == (9, 2, 2)
    with pytest.raises(ValueError, match="errors"):
        nerkit.evaluate(g, p, errors=-1)


def test_an_instance_sentence_is_its_index_in_the_lists():
    g = [["B-PER"], [], ["O", "B-LOC"]]
    p = [["B-PER"], [], ["O", "O"]]
    e = nerkit.evaluate(g, p, errors=5)
    assert [(i["class"], i["sentence"]) for i in e.errors] == [("missed", 3)]


# The strict schema's counts are the plain counts, for lists in both modes.

@pytest.mark.parametrize("mode", [None, "strict"])
def test_strict_cor_is_the_plain_correct_count_on_random_lists(mode):
    rng = random.Random(17)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    for _ in range(200):
        shape = [rng.randrange(0, 9) for _ in range(rng.randrange(1, 6))]
        g = [[rng.choice(tags) for _ in range(n)] for n in shape]
        p = [[rng.choice(tags) for _ in range(n)] for n in shape]
        e = nerkit.evaluate(g, p, mode=mode, scheme="IOB2" if mode else None, match="strict")
        s = e.schemas["strict"].overall
        assert (s.cor, s.possible, s.actual) == (e.micro.correct, e.micro.gold, e.micro.pred)
        assert s.f1 == e.micro.f1
        for t, c in e.schemas["strict"].types.items():
            assert (c.cor, c.possible) == (e.types[t].correct, e.types[t].gold)


def test_default_mode_chunks_that_are_no_span_are_refused():
    # After a tag with an unknown prefix (X), seqeval's default mode ends
    # a chunk at the B-PER that "began" in the sentence before: it counts
    # a tuple ('_', 0, 2) that is no span of one sentence.
    g = [["O"], ["X", "B-PER"]]
    with pytest.raises(nerkit.TagError) as info:
        nerkit.evaluate(g, g, match="strict")
    err = info.value
    assert (err.side, err.sentence, err.token, err.tag) == ("y_true", 1, 0, "X")
    assert "strict mode" in str(err)
    # The plain score still counts it, as seqeval does.
    assert nerkit.evaluate(g, g).micro.gold == 2


# The CLI's JSON, from the golden files.

def test_evaluate_is_the_cli_json_for_wnut17():
    cli = golden("wnut17-compare.json")["systems"][0]
    e = nerkit.evaluate(GOLD, ARCADA, match="all", bootstrap=True, errors=10)
    assert_same_as_cli(e.to_dict(), cli)


def test_evaluate_with_map_ignore_and_min_overlap_is_the_cli_json():
    cli = golden("wnut17-map.json")
    e = nerkit.evaluate(GOLD, UH_RITUAL, match="strict,partial",
                        map={"corporation": "group", "creative-work": "product"},
                        ignore=["person"], min_overlap=0.5, errors=10)
    assert_same_as_cli(e.to_dict(), cli)


def test_compare_is_the_cli_json_for_wnut17():
    cli = golden("wnut17-compare.json")
    c = nerkit.compare(GOLD, NAMES, match="all", errors=10)
    assert list(c.systems) == [s["system"] for s in cli["systems"]]
    for (name, e), s in zip(c.systems.items(), cli["systems"]):
        assert_same_as_cli(e.to_dict(), s)
    assert [t.to_dict() for t in c.tests] == cli["tests"]


# Bootstrap and paired tests.

def test_the_readme_numbers_of_arcada_and_uh_ritual():
    # README.md, "--bootstrap": the intervals, and p = 0.1860 (0.18 with
    # the permutation test).
    c = nerkit.compare(GOLD, [ARCADA, UH_RITUAL])
    a, u = c.systems[ARCADA], c.systems[UH_RITUAL]
    pct = lambda i: (round(100 * i.low, 2), round(100 * i.high, 2))
    assert pct(a.bootstrap.precision) == (43.46, 51.39)
    assert pct(a.bootstrap.recall) == (31.54, 37.78)
    assert pct(a.bootstrap.f1) == (36.68, 43.29)
    assert pct(u.bootstrap.f1) == (38.34, 45.13)
    (t,) = c.tests
    assert (t.a, t.b, t.test, t.samples, t.seed) == (ARCADA, UH_RITUAL, "bootstrap", 1000, 1)
    assert (round(100 * t.f1_a, 2), round(100 * t.f1_b, 2)) == (39.98, 41.86)
    assert round(100 * t.delta_f1, 2) == -1.88
    assert t.p_value == 0.186 and not t.significant
    perm = nerkit.compare(GOLD, [ARCADA, UH_RITUAL], test="permutation", intervals=False)
    assert round(perm.tests[0].p_value, 2) == 0.18
    assert perm.systems[ARCADA].bootstrap is None


def test_bootstrap_is_reproducible_and_contains_the_point_estimate():
    one = nerkit.evaluate(GOLD, ARCADA, bootstrap=300, seed=7)
    two = nerkit.evaluate(GOLD, ARCADA, bootstrap=300, seed=7)
    other = nerkit.evaluate(GOLD, ARCADA, bootstrap=300, seed=8)
    assert one.bootstrap == two.bootstrap
    assert one.bootstrap != other.bootstrap
    b = one.bootstrap
    assert (b.samples, b.seed, b.confidence, b.resample, b.units) == \
        (300, 7, 0.95, "sentences", 1287)
    for name in ("precision", "recall", "f1"):
        i = getattr(b, name)
        assert i.value == getattr(one.micro, name)
        assert i.low < i.value < i.high
    wide = nerkit.evaluate(GOLD, ARCADA, bootstrap=300, seed=7, confidence=0.99).bootstrap
    assert wide.f1.high - wide.f1.low > b.f1.high - b.f1.low
    # Lists too, and True is 1000 replicates.
    g, p = tags_of(GOLD), tags_of(ARCADA)
    lists = nerkit.evaluate(g, p, bootstrap=True)
    assert lists.bootstrap.samples == 1000 and lists.bootstrap.f1.low < lists.micro.f1


def test_bootstrap_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="bootstrap"):
        nerkit.evaluate(GOLD, ARCADA, bootstrap=0)
    with pytest.raises(ValueError, match="confidence"):
        nerkit.evaluate(GOLD, ARCADA, bootstrap=10, confidence=95)
    with pytest.raises(ValueError, match="documents"):
        nerkit.evaluate(GOLD, ARCADA, bootstrap=10, resample="documents")
    with pytest.raises(ValueError, match="unit"):
        nerkit.evaluate(GOLD, ARCADA, bootstrap=10, resample="words")


@pytest.mark.parametrize("test", ["bootstrap", "permutation"])
def test_a_system_against_itself_has_p_1(test):
    c = nerkit.compare(GOLD, {"a": ARCADA, "b": ARCADA}, test=test, bootstrap=300)
    (t,) = c.tests
    assert (t.a, t.b, t.delta_f1, t.p_value, t.significant) == ("a", "b", 0.0, 1.0, False)
    g, p = tags_of(GOLD), tags_of(ARCADA)
    (t,) = nerkit.compare(g, [p, p], test=test, bootstrap=300).tests
    assert (t.a, t.b, t.p_value) == ("preds[0]", "preds[1]", 1.0)


def degraded(tags, rng):
    """Every predicted entity kept with probability 1/2, else erased."""
    out = []
    for sentence in tags:
        s = list(sentence)
        k = 0
        while k < len(s):
            if s[k].startswith("B-"):
                j = k + 1
                while j < len(s) and s[j].startswith("I-"):
                    j += 1
                if rng.random() < 0.5:
                    s[k:j] = ["O"] * (j - k)
                k = j
            else:
                k += 1
        out.append(s)
    return out


@pytest.mark.parametrize("test", ["bootstrap", "permutation"])
def test_arcada_beats_a_degraded_copy_of_itself(test, tmp_path):
    rng = random.Random(3)
    pred = degraded(tags_of(ARCADA), rng)
    # The degraded copy as a file: the tokens of arcada, the new tags.
    lines = []
    with open(ARCADA, encoding="utf-8") as f:
        rows = [line.rstrip("\n") for line in f]
    flat = iter(t for s in pred for t in s)
    for row in rows:
        if row.strip():
            lines.append(row.split()[0] + "\t" + next(flat))
        else:
            lines.append("")
    path = tmp_path / "degraded"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = nerkit.compare(GOLD, {"arcada": ARCADA, "degraded": path}, test=test, bootstrap=500)
    (t,) = c.tests
    assert t.delta_f1 > 0 and t.p_value < 0.05 and t.significant
    # The same from lists.
    (lt,) = nerkit.compare(tags_of(GOLD), {"arcada": tags_of(ARCADA), "degraded": pred},
                           test=test, bootstrap=500).tests
    assert lt.p_value < 0.05 and lt.delta_f1 > 0


def test_compare_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="two or more"):
        nerkit.compare(GOLD, [ARCADA])
    with pytest.raises(ValueError, match="same name"):
        nerkit.compare(GOLD, [ARCADA, ARCADA])
    with pytest.raises(ValueError, match="test"):
        nerkit.compare(GOLD, [ARCADA, UH_RITUAL], test="t-test")


def test_errors_in_analysed_files_carry_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("John B-PER B-PER\nSmith I-PER\n", encoding="utf-8")
    with pytest.raises(nerkit.ParseError) as info:
        nerkit.evaluate(bad, match="all")
    assert (info.value.file, info.value.line, info.value.column) == (str(bad), 2, 12)
    bad.write_bytes(b"John B-PER\nSmith I-PER\n\xff O\n")
    with pytest.raises(nerkit.ParseError) as info:
        nerkit.compare(bad, {"a": CLASSES_PRED, "b": CLASSES_PRED})
    assert (info.value.file, info.value.line) == (str(bad), 3)
    with pytest.raises(nerkit.FileError):
        nerkit.compare(GOLD, [ARCADA, tmp_path / "missing"])


def test_the_readme_examples_print_what_they_show(monkeypatch):
    # The ```python blocks of the analysis sections of README.md and
    # python/README.md, run as doctests from the repository root.
    import doctest
    import re
    monkeypatch.chdir(ROOT)
    for path, start, end in (("README.md", "## Python", "## Benchmarking"),
                             ("python/README.md", "### Error analysis", "## Scaling out")):
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = f.read()
        section = text[text.index(start):text.index(end)]
        blocks = re.findall(r"```python\n(.*?)```", section, re.S)
        examples = [b for b in blocks if ">>>" in b]
        assert examples, path
        for k, block in enumerate(examples):
            test = doctest.DocTestParser().get_doctest(block, {}, f"{path}[{k}]", path, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            assert runner.summarize(verbose=False).failed == 0, path
