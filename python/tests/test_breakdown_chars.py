"""nerkit.evaluate(breakdown=...) and nerkit.evaluate(level='chars'): the
CLI's ``nerkit eval --breakdown`` and ``nerkit eval --level chars``.

Inputs, all inside the repository:

* corpora/wnut17/: the WNUT-17 test set and the arcada submission;
* tests/data/chars/: documents (a text and entity offsets) in span files,
  doccano, Label Studio and Prodigy (their README lists what each holds);
* tests/data/python/{wnut17-breakdown,chars-report,chars-breakdown}.json:
  what ``nerkit eval --format json`` prints for them, kept by the Rust
  test tests/python_json.rs (the WNUT-17 file with its first 20 rows of
  1287 and its first 10 error instances), so the CLI is not run here.
"""

import json
import os
import pickle

import pytest

import nerkit

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLD = os.path.join(ROOT, "corpora/wnut17/emerging.test.annotated")
ARCADA = os.path.join(ROOT, "corpora/wnut17/submissions/arcada")
CHARS = os.path.join(ROOT, "tests/data/chars")
CHARS_GOLD = os.path.join(CHARS, "gold.jsonl")
CHARS_PRED = os.path.join(CHARS, "pred-errors.jsonl")
CLASSES_GOLD = os.path.join(HERE, "data", "classes.gold.conll")
CLASSES_PRED = os.path.join(HERE, "data", "classes.pred.conll")


def golden(name):
    with open(os.path.join(ROOT, "tests/data/python", name), encoding="utf-8") as f:
        return json.load(f)


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


def assert_same_as_cli(d, cli, plain):
    """``Evaluation.to_dict()`` against one system of the CLI's JSON, whose
    plain report is ``cli['report']``; instances and rows as many as the
    CLI's JSON keeps."""
    assert {k: d[k] for k in plain} == cli["report"]
    for k, v in cli.items():
        if k in ("system", "report"):
            continue
        if k == "errors":
            assert d["errors"]["total"] == v["total"]
            assert d["errors"]["instances"][:len(v["instances"])] == v["instances"]
        elif k == "breakdown":
            assert d["breakdown"]["unit"] == v["unit"]
            assert d["breakdown"]["rows"][:len(v["rows"])] == v["rows"]
        else:
            assert d[k] == v, k
    assert set(d) == set(plain) | (set(cli) - {"system", "report"})


def assert_rows_add_up(e):
    """The rows of a breakdown number the units from 1 and sum to the
    strict schema's counts (the micro counts without map or ignore)."""
    rows = e.breakdown
    assert [r.index for r in rows] == list(range(1, len(rows) + 1))
    strict = e.schemas["strict"].overall
    assert sum(r.correct for r in rows) == strict.cor == e.micro.correct
    assert sum(r.gold for r in rows) == strict.possible == e.micro.gold
    assert sum(r.pred for r in rows) == strict.actual == e.micro.pred
    for r in rows:
        assert 0.0 <= r.precision <= 1.0 and 0.0 <= r.recall <= 1.0
        if r.gold and r.pred:
            assert r.precision == r.correct / r.pred and r.recall == r.correct / r.gold


TOKEN_PLAIN = ("mode", "scheme", "tokens", "sentences", "accuracy", "micro", "macro",
               "weighted", "types", "ill_formed", "notes")
CHAR_PLAIN = ("level", "unit", "documents", "characters", "micro", "macro", "weighted",
              "types", "notes")


# Breakdown.

def test_breakdown_is_the_cli_json_for_wnut17():
    cli = golden("wnut17-breakdown.json")
    e = nerkit.evaluate(GOLD, ARCADA, match="strict", breakdown="sentences", errors=10)
    assert_same_as_cli(e.to_dict(), cli, TOKEN_PLAIN)
    assert e.breakdown_unit == "sentences"
    assert len(e.breakdown) == e.sentences == 1287
    assert e.breakdown[0] == nerkit.BreakdownRow(**cli["breakdown"]["rows"][0])
    assert_rows_add_up(e)


def test_breakdown_alone_runs_the_analysis():
    e = nerkit.evaluate(GOLD, ARCADA, breakdown="sentences")
    assert set(e.schemas) == {"strict", "exact", "partial", "type"}
    assert e.errors == [] and e.errors_total == 858
    assert e.bootstrap is None
    assert_rows_add_up(e)
    # Without one, none.
    plain = nerkit.evaluate(GOLD, ARCADA)
    assert plain.breakdown is None and plain.breakdown_unit is None
    assert "breakdown" not in nerkit.evaluate(GOLD, ARCADA, match="all").to_dict()


def test_lists_have_the_rows_of_files():
    files = nerkit.evaluate(GOLD, ARCADA, breakdown="sentences")
    lists = nerkit.evaluate(tags_of(GOLD), tags_of(ARCADA), breakdown="sentences")
    counts = lambda e: [(r.correct, r.gold, r.pred) for r in e.breakdown]
    assert counts(lists) == counts(files)
    # A row's line in lists is its index in them, from 1.
    assert [r.line for r in lists.breakdown] == list(range(1, 1288))
    cli = golden("wnut17-breakdown.json")["breakdown"]["rows"]
    assert [r.line for r in files.breakdown][:20] == [r["line"] for r in cli]
    assert [r.line for r in files.breakdown][:3] == [1, 29, 64]
    # Lists are one document.
    (doc,) = nerkit.evaluate(tags_of(GOLD), tags_of(ARCADA), breakdown="documents").breakdown
    assert (doc.index, doc.line, doc.correct, doc.gold, doc.pred) == \
        (1, 1, files.micro.correct, files.micro.gold, files.micro.pred)


def test_a_breakdown_per_document(tmp_path):
    # Two documents, each the hand-made classes file once.
    def doubled(src, dst):
        with open(src, encoding="utf-8") as f:
            body = f.read()
        dst.write_text(f"-DOCSTART- O\n\n{body}\n-DOCSTART- O\n\n{body}", encoding="utf-8")
        return dst
    gold = doubled(CLASSES_GOLD, tmp_path / "gold.conll")
    pred = doubled(CLASSES_PRED, tmp_path / "pred.conll")
    e = nerkit.evaluate(gold, pred, mode="strict", breakdown="documents")
    assert e.breakdown_unit == "documents"
    first, second = e.breakdown
    assert (first.correct, first.gold, first.pred) == (second.correct, second.gold, second.pred)
    assert first.line < second.line
    assert_rows_add_up(e)
    sentences = nerkit.evaluate(gold, pred, mode="strict", breakdown="sentences").breakdown
    assert len(sentences) == 2 * len(tags_of(CLASSES_GOLD))
    assert sum(r.correct for r in sentences) == 2 * first.correct


def test_compare_has_a_breakdown_per_system():
    c = nerkit.compare(GOLD, {"a": ARCADA, "b": ARCADA}, breakdown="sentences",
                       bootstrap=50, intervals=False)
    a, b = c.systems["a"], c.systems["b"]
    assert a.breakdown == b.breakdown and len(a.breakdown) == 1287


def test_breakdown_refuses_unknown_units():
    for gold, pred in ((GOLD, ARCADA), ([["B-PER"]], [["B-PER"]])):
        with pytest.raises(nerkit.ArgumentError,
                           match=r"breakdown='words': unknown unit \"words\" "
                                 r"\(expected sentences or documents\)") as info:
            nerkit.evaluate(gold, pred, breakdown="words")
        assert isinstance(info.value, ValueError) and isinstance(info.value, nerkit.Error)


# Character level.

def test_chars_is_the_cli_json():
    e = nerkit.evaluate(CHARS_GOLD, CHARS_PRED, level="chars")
    assert e.to_dict() == golden("chars-report.json")
    assert (e.level, e.documents, e.characters) == ("chars", 5, 123)
    assert (e.mode, e.tokens, e.sentences, e.accuracy, e.ill_formed) == (None,) * 5
    assert (e.micro.gold, e.micro.pred, e.micro.correct) == (8, 8, 4)
    assert e.types["ORG"] == nerkit.Scores(1.0, 0.5, 2 / 3, gold=2, pred=1, correct=1)


def test_chars_with_the_analysis_and_a_breakdown_is_the_cli_json():
    cli = golden("chars-breakdown.json")
    e = nerkit.evaluate(CHARS_GOLD, CHARS_PRED, level="chars", match="all",
                        breakdown="documents", errors=100)
    assert_same_as_cli(e.to_dict(), cli, CHAR_PLAIN)
    assert len(e.errors) == e.errors_total == len(cli["errors"]["instances"])
    assert [(r.line, r.correct, r.gold, r.pred) for r in e.breakdown] == \
        [(1, 1, 3, 3), (2, 2, 3, 3), (3, 0, 0, 0), (4, 1, 2, 2), (5, 0, 0, 0)]
    assert_rows_add_up(e)


@pytest.mark.parametrize("pred, pred_format", [
    ("pred-doccano.jsonl", None), ("pred-labelstudio.json", None),
    ("pred-prodigy-whitespace.jsonl", None), ("pred-doccano.jsonl", "doccano"),
    ("gold.jsonl", "spans"),
])
def test_every_document_format_holding_the_gold_entities_scores_1(pred, pred_format):
    # Prodigy's tokens are cut at whitespace only, so that three gold
    # entities end inside them: at the character level they match.
    e = nerkit.evaluate(CHARS_GOLD, os.path.join(CHARS, pred), level="chars",
                        pred_format=pred_format)
    assert (e.micro.gold, e.micro.pred, e.micro.correct, e.micro.f1) == (8, 8, 8, 1.0)
    assert (e.documents, e.characters) == (5, 123)


def test_chars_reports_and_counts():
    e = nerkit.evaluate(CHARS_GOLD, CHARS_PRED, level="chars")
    assert e.report("conlleval").startswith(
        "processed 123 characters with 8 phrases; found: 8 phrases; correct: 4.\n")
    assert e.report("table").rstrip().endswith(
        "level chars (entities matched by code point offsets); 123 characters, 5 documents")
    assert json.loads(e.report("json")) == golden("chars-report.json")
    # Counts of mode chars: the same scores, added, pickled.
    c = e.counts
    assert (c.mode, c.scheme, c.tokens, c.sentences) == ("chars", None, 123, 5)
    assert nerkit.Evaluation.from_counts(c) == e
    double = nerkit.Evaluation.from_counts(c + c)
    assert (double.documents, double.micro.correct, double.micro.f1) == (10, 8, 0.5)
    assert pickle.loads(pickle.dumps(c)) == c
    assert sum([c, nerkit.Counts("chars")]) == c
    with pytest.raises(ValueError, match="cannot add"):
        c + nerkit.Evaluation.from_counts(nerkit.Counts("conlleval")).counts


def test_chars_compare():
    pred = {"errors": CHARS_PRED, "doccano": os.path.join(CHARS, "pred-doccano.jsonl")}
    c = nerkit.compare(CHARS_GOLD, pred, level="chars", bootstrap=200, resample="documents")
    assert c.systems["errors"].micro.f1 == 0.5 and c.systems["doccano"].micro.f1 == 1.0
    (t,) = c.tests
    assert (t.a, t.b, t.resample, t.delta_f1) == ("errors", "doccano", "documents", -0.5)
    assert c.systems["doccano"].bootstrap.units == 5


def test_chars_texts_must_be_equal():
    pred = os.path.join(CHARS, "pred-text-differs.jsonl")
    for analysis in ({}, {"match": "all"}):
        with pytest.raises(nerkit.ParseError) as info:
            nerkit.evaluate(CHARS_GOLD, pred, level="chars", **analysis)
        assert (info.value.file, info.value.line) == (pred, 2)
        assert "text differs from" in str(info.value)
        assert "at character 21 of document 2" in str(info.value)
    with pytest.raises(nerkit.ParseError, match="more documents than"):
        nerkit.evaluate(CHARS_GOLD, os.path.join(CHARS, "pred-short.jsonl"), level="chars")
    with pytest.raises(nerkit.ParseError, match="conll input has no text with entity offsets"):
        nerkit.evaluate(GOLD, ARCADA, level="chars")
    with pytest.raises(nerkit.FileError):
        nerkit.evaluate(CHARS_GOLD, os.path.join(CHARS, "missing.jsonl"), level="chars")


@pytest.mark.parametrize("kwargs, message", [
    (dict(level="words"), 'level=\'words\': unknown level "words" (expected tokens or chars)'),
    (dict(level="chars", mode="strict"), "mode='strict' and scheme=None read tags"),
    (dict(level="chars", scheme="IOB2"), "mode=None and scheme='IOB2' read tags"),
    (dict(level="chars", raw=True), "raw and boundary read tags"),
    (dict(level="chars", boundary="-X-"), "raw and boundary read tags"),
    (dict(level="chars", token_check=False), "token_check=False does not apply"),
])
def test_chars_refuses_what_reads_tags(kwargs, message):
    with pytest.raises(nerkit.ArgumentError) as info:
        nerkit.evaluate(CHARS_GOLD, CHARS_PRED, **kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_chars_needs_two_files_not_lists():
    for analysis in ({}, {"match": "all"}):
        with pytest.raises(nerkit.ArgumentError, match="needs two files"):
            nerkit.evaluate(CHARS_GOLD, level="chars", **analysis)
    with pytest.raises(nerkit.ArgumentError, match="lists of tags in memory"):
        nerkit.evaluate([["B-PER"]], [["B-PER"]], level="chars")
    with pytest.raises(nerkit.ArgumentError, match="lists of tags in memory"):
        nerkit.compare([["B-PER"]], [[["B-PER"]], [["O"]]], level="chars")
    # The aliases the CLI reads.
    assert nerkit.evaluate(CHARS_GOLD, CHARS_PRED, level="characters").level == "chars"
    assert nerkit.evaluate(GOLD, ARCADA, level="token").level == "tokens"
