"""nerkit's own API: read, convert, evaluate, Counts, errors.

The sample files in tests/data/ are written for these tests: CoNLL columns
(token, tag), inline bracket text (`[PER John Smith ]`) and conlleval's
one-file layout (token, gold tag, predicted tag), as the nerkit CLI reads
them (README.md of the repository, "Formats").
"""

import os
import pickle

import pytest

import nerkit

DATA = os.path.join(os.path.dirname(__file__), "data")


def data(name):
    return os.path.join(DATA, name)


def test_read_conll_and_brackets_give_the_same_sentences():
    conll = list(nerkit.read(data("gold.conll")))
    brackets = list(nerkit.read(data("text.txt")))
    assert [s["tokens"] for s in conll] == [s["tokens"] for s in brackets]
    assert [s["entities"] for s in conll] == [[("PER", 0, 2), ("LOC", 3, 4)], [("ORG", 0, 1)]]
    assert [s["entities"] for s in brackets] == [s["entities"] for s in conll]
    assert conll[0]["tags"] == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    line = open(data("text.txt"), encoding="utf-8").read()
    assert [line[a:b] for a, b in brackets[0]["offsets"]] == conll[0]["tokens"]


def test_read_writes_tags_in_the_scheme_asked_for():
    first = next(iter(nerkit.read(data("gold.conll"), tags="IOBES")))
    assert first["tags"] == ["B-PER", "E-PER", "O", "S-LOC", "O"]


def test_convert_keeps_entities(tmp_path):
    out = tmp_path / "out.conll"
    summary = nerkit.convert(data("text.txt"), out)
    assert summary["entities_read"] == summary["entities_written"] == 3
    assert [s["entities"] for s in nerkit.read(out)] == \
        [s["entities"] for s in nerkit.read(data("text.txt"))]
    jsonl = tmp_path / "out.jsonl"
    nerkit.convert(out, jsonl)
    assert [s["entities"] for s in nerkit.read(jsonl, format="jsonl")] == \
        [s["entities"] for s in nerkit.read(out)]


def test_evaluate_files_in_both_modes():
    e = nerkit.evaluate(data("gold.conll"), data("pred.conll"))
    assert (e.mode, e.micro.gold, e.micro.pred, e.micro.correct) == ("conlleval", 3, 3, 2)
    assert e.types["PER"].f1 == 0.0 and e.types["LOC"].f1 == 1.0
    assert e.accuracy == 6 / 7
    d = e.to_dict()
    assert d["micro"]["correct"] == 2 and d["types"]["ORG"]["gold"] == 1
    s = nerkit.evaluate(data("gold.conll"), data("pred.conll"), mode="strict",
                        scheme=nerkit.scheme.IOB2)
    assert (s.mode, s.scheme) == ("strict", "iob2")
    one = nerkit.evaluate(data("conlleval.txt"))
    assert (one.micro.gold, one.micro.pred, one.micro.correct) == (1, 1, 0)
    # conlleval.pl's own output for this file (its report layout, by hand).
    assert one.report("conlleval") == (
        "processed 3 tokens with 1 phrases; found: 1 phrases; correct: 0.\n"
        "accuracy:  66.67%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n"
        "              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n")
    assert "micro avg" in s.report("table") and s.report("json").startswith("{")
    raw = nerkit.evaluate(data("conlleval.txt"), raw=True)
    assert raw.micro.gold == 2  # -r: every tag not O is a one-token chunk


def test_evaluate_lists_matches_metrics():
    from nerkit.metrics import f1_score
    y_true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG"]]
    y_pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG"]]
    e = nerkit.evaluate(y_true, y_pred)
    assert e.micro.f1 == f1_score(y_true, y_pred)
    assert e.counts.types == {"LOC": (1, 0, 0), "ORG": (1, 1, 1), "PER": (1, 1, 1)}


def test_errors_carry_file_line_and_column(tmp_path):
    with pytest.raises(nerkit.ParseError) as e:
        list(nerkit.read(data("unclosed.txt")))
    assert (e.value.file, e.value.line, e.value.column) == (data("unclosed.txt"), 1, 1)
    assert isinstance(e.value, ValueError) and "unclosed entity" in str(e.value)
    bad = tmp_path / "bad.conll"
    bad.write_bytes(b"John B-PER\nSm\xffith I-PER\n")
    with pytest.raises(nerkit.ParseError) as e:
        nerkit.evaluate(str(bad), str(bad))
    assert (e.value.file, e.value.line, e.value.column) == (str(bad), 2, 3)
    with pytest.raises(nerkit.FileError) as e:
        nerkit.read(data("missing.txt"))
    assert isinstance(e.value, OSError) and e.value.file == data("missing.txt")


def test_counts_add_pickle_and_sum():
    a = nerkit.Counts.from_lists([["B-PER", "I-PER"]], [["B-PER", "I-PER"]])
    b = nerkit.Counts.from_lists([["B-LOC", "O"]], [["O", "O"]])
    whole = nerkit.Counts.from_lists([["B-PER", "I-PER"], ["B-LOC", "O"]],
                                     [["B-PER", "I-PER"], ["O", "O"]])
    assert a + b == whole == sum([a, b]) == nerkit.Counts() + a + b
    assert pickle.loads(pickle.dumps(whole)) == whole
    assert nerkit.Evaluation.from_counts(a + b).micro.recall == 0.5
    with pytest.raises(ValueError):
        a + nerkit.Counts.from_lists([["B-PER"]], [["B-PER"]], mode="strict", scheme="IOB2")
    with pytest.raises(TypeError):
        a + 1
