"""nerkit.metrics against real seqeval 1.2.2 on seeded random sequences.

Every scheme, well-formed and ill-formed sequences, odd labels (bare labels,
hyphens, non-ASCII, untyped prefixes), both modes, ``suffix``, every
``average``, ``output_dict``, ``zero_division`` and ``sample_weight``: the
numbers must be equal bit for bit, the report text byte for byte, and the
warnings the same. Where seqeval is wrong (README, "Compatibility with
seqeval"), the test checks nerkit's documented answer instead.
"""

import math
import random
import warnings

import pytest

seqeval_metrics = pytest.importorskip("seqeval.metrics")
seqeval_scheme = pytest.importorskip("seqeval.scheme")

import nerkit.metrics as nm  # noqa: E402
from nerkit import TagError  # noqa: E402

TYPES = ["PER", "LOC", "ORG", "MISC-X", "Ünï", ""]
ODD_TAGS = ["PER", "BPER", "B--X", "-", "O-PER", "B-PER-B", "o", ".", "X-PER", "S", "B", "I",
            "E", "U-LOC", "L-LOC", "É-PER", "B-", "I--"]
SCHEMES = {
    "IOB2": "BIO", "IOE2": "IEO", "IOBES": "BIESO", "BILOU": "BILUO",
}


def make_tag(prefix, ty, suffix):
    if prefix == "O":
        return "O"
    if ty == "":
        return prefix
    return "{}-{}".format(ty, prefix) if suffix else "{}-{}".format(prefix, ty)


def entities(rng, n):
    """Random non-overlapping (start, end, type) spans in n tokens."""
    out, i = [], 0
    while i < n:
        if rng.random() < 0.35:
            length = rng.randint(1, 3)
            end = min(n, i + length)
            out.append((i, end, rng.choice(TYPES)))
            i = end
        else:
            i += 1
    return out


def encode(ents, n, scheme, suffix):
    tags = [("O", "")] * n
    for k, (s, e, ty) in enumerate(ents):
        prev_adjacent = k > 0 and ents[k - 1][1] == s and ents[k - 1][2] == ty
        next_adjacent = k + 1 < len(ents) and ents[k + 1][0] == e and ents[k + 1][2] == ty
        for i in range(s, e):
            first, last = i == s, i == e - 1
            if scheme == "IOB2":
                p = "B" if first else "I"
            elif scheme == "IOE2":
                p = "E" if last else "I"
            elif scheme == "IOBES":
                p = "S" if first and last else "B" if first else "E" if last else "I"
            elif scheme == "BILOU":
                p = "U" if first and last else "B" if first else "L" if last else "I"
            elif scheme == "IOB1":
                p = "B" if first and prev_adjacent else "I"
            elif scheme == "IOE1":
                p = "E" if last and next_adjacent else "I"
            else:
                raise AssertionError(scheme)
            tags[i] = (p, ty)
    return [make_tag(p, ty, suffix) for p, ty in tags]


def perturb(rng, ents, n):
    out = []
    for s, e, ty in ents:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            ty = rng.choice(TYPES)
        elif r < 0.45:
            e = max(s + 1, min(n, e + rng.choice([-1, 1])))
        out.append((s, e, ty))
    # Re-impose non-overlap.
    fixed, last_end = [], 0
    for s, e, ty in sorted(out):
        if s >= last_end:
            fixed.append((s, e, ty))
            last_end = e
    return fixed


def corpus(rng, scheme, suffix, well_formed, alphabet):
    """Gold and predictions: lists of lists of tags."""
    y_true, y_pred = [], []
    for _ in range(rng.randint(0, 6)):
        n = rng.randint(0, 12)
        if well_formed:
            g = entities(rng, n)
            gold = encode(g, n, scheme, suffix)
            pred = encode(perturb(rng, g, n), n, scheme, suffix)
            for seq in (gold, pred):
                for _ in range(rng.randint(0, 2)):
                    if n and rng.random() < 0.5:
                        seq[rng.randrange(n)] = make_tag(rng.choice(alphabet),
                                                         rng.choice(TYPES), suffix)
        else:
            gold = [make_tag(rng.choice(alphabet), rng.choice(TYPES), suffix) for _ in range(n)]
            pred = [t if rng.random() < 0.6 else
                    make_tag(rng.choice(alphabet), rng.choice(TYPES), suffix) for t in gold]
        y_true.append(gold)
        y_pred.append(pred)
    return y_true, y_pred


def run(fn, *args, **kwargs):
    """(result, warnings as a set, exception)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = fn(*args, **kwargs), None
        except Exception as e:  # noqa: BLE001 - compared below
            result, error = None, e
    return result, {(w.category.__name__, str(w.message)) for w in caught}, error


def same_number(a, b):
    if isinstance(a, float) and math.isnan(a):
        return False
    return a == b and type(b) in (float, int)


def assert_same(ours, theirs):
    if hasattr(theirs, "tolist"):
        theirs = theirs.tolist()
    if hasattr(ours, "tolist"):
        ours = ours.tolist()
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k])
    else:
        assert ours == theirs and not (isinstance(theirs, float) and math.isnan(theirs)), (
            ours, theirs)


def zd_value(zero_division):
    return 0.0 if zero_division in ["warn", 0] else 1.0


def compare_scores(rng, y_true, y_pred, kwargs):
    for fn_name in ("f1_score", "precision_score", "recall_score"):
        for average in (None, "micro", "macro", "weighted"):
            zd = rng.choice(["warn", 0, 1])
            kw = dict(kwargs, average=average, zero_division=zd)
            if rng.random() < 0.3:
                kw["sample_weight"] = [rng.randint(0, 5) for _ in y_true]
            theirs, tw, terr = run(getattr(seqeval_metrics, fn_name), y_true, y_pred, **kw)
            ours, ow, oerr = run(getattr(nm, fn_name), y_true, y_pred, **kw)
            if isinstance(terr, TypeError) and y_true == []:
                # seqeval refuses an empty list; nerkit scores no entities.
                assert oerr is None
                assert_same(ours, [] if average is None else zd_value(zd))
                continue
            assert terr is None and oerr is None, (terr, oerr)
            if average == "macro" and isinstance(theirs, float) and math.isnan(theirs):
                # seqeval: numpy's mean of no types; nerkit: the zero-division value.
                assert ours == zd_value(zd)
                continue
            assert_same(ours, theirs)
            assert ow == {w for w in tw if "Mean of empty slice" not in w[1]
                          and "invalid value" not in w[1]}, (fn_name, kw)


def compare_reports(rng, y_true, y_pred, kwargs):
    digits = rng.choice([0, 1, 2, 3, 4, 13])
    zd = rng.choice(["warn", 0, 1])
    kw = dict(kwargs, digits=digits, zero_division=zd)
    for output_dict in (False, True):
        theirs, tw, terr = run(seqeval_metrics.classification_report, y_true, y_pred,
                               output_dict=output_dict, **kw)
        ours, ow, oerr = run(nm.classification_report, y_true, y_pred,
                             output_dict=output_dict, **kw)
        if terr is not None:
            handle_seqeval_error(terr, oerr, ours, y_true, kwargs)
            return
        assert oerr is None, oerr
        if output_dict and not [k for k in theirs if not k.endswith(" avg")]:
            # No types: seqeval's macro row is NaN, nerkit's the zero-division value.
            v = zd_value(zd)
            theirs["macro avg"] = {"precision": v, "recall": v, "f1-score": v, "support": 0}
        assert_same(ours, theirs)
        assert ow == {w for w in tw if "Mean of empty slice" not in w[1]
                      and "invalid value" not in w[1]}


def handle_seqeval_error(terr, oerr, ours, y_true, kwargs):
    """seqeval raised: check nerkit's documented answer."""
    if isinstance(terr, TypeError) and y_true == []:
        assert oerr is None
        return
    if isinstance(terr, ValueError) and "max() arg is an empty sequence" in str(terr):
        # No types: nerkit reports the averages only.
        assert oerr is None and "micro avg" in ours
        return
    if isinstance(terr, ValueError) and "This scheme is not supported" in str(terr):
        gold_prefixes = {t[-1] if kwargs.get("suffix") else t[0] for s in y_true for t in s}
        if gold_prefixes <= {"O"}:
            # seqeval cannot detect a scheme from all-O gold; nerkit uses y_pred.
            assert oerr is None or isinstance(oerr, ValueError)
        else:
            assert isinstance(oerr, ValueError), oerr
        return
    if isinstance(terr, ValueError) and "Invalid token is found" in str(terr):
        # A prefix the (detected) scheme does not allow: both refuse it.
        assert isinstance(oerr, TagError), oerr
        return
    raise AssertionError("seqeval raised {!r}, nerkit gave {!r}".format(terr, oerr))


@pytest.mark.parametrize("suffix", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_default_mode(seed, suffix):
    rng = random.Random(1000 * seed + suffix)
    for _ in range(250):
        scheme = rng.choice(list(SCHEMES) + ["IOB1", "IOE1"])
        alphabet = "BIESOUL.X"
        y_true, y_pred = corpus(rng, scheme, suffix, rng.random() < 0.5, alphabet)
        if rng.random() < 0.2 and y_true and y_true[0]:
            y_true[0][0] = rng.choice(ODD_TAGS)
            y_pred[-1][-1:] = [rng.choice(ODD_TAGS)] if y_pred[-1] else []
            y_true[-1] = y_true[-1][:len(y_pred[-1])]
        kwargs = {"suffix": suffix}
        compare_scores(rng, y_true, y_pred, kwargs)
        compare_reports(rng, y_true, y_pred, kwargs)
        assert nm.accuracy_score(y_true, y_pred) == (
            seqeval_metrics.accuracy_score(y_true, y_pred) if sum(map(len, y_true)) else 0.0)
        assert nm.performance_measure(y_true, y_pred) == \
            seqeval_metrics.performance_measure(y_true, y_pred)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("suffix", [False, True])
@pytest.mark.parametrize("seed", range(2))
def test_strict_mode(scheme, suffix, seed):
    rng = random.Random(hash((scheme, suffix, seed)) & 0xFFFF)
    seqeval_class = getattr(seqeval_scheme, scheme)
    for _ in range(200):
        y_true, y_pred = corpus(rng, scheme, suffix, rng.random() < 0.6, SCHEMES[scheme])
        given = rng.choice([seqeval_class, scheme, "nerkit"])
        ours_scheme = getattr(__import__("nerkit.scheme").scheme, scheme) \
            if given == "nerkit" else given
        theirs_kw = {"suffix": suffix, "mode": "strict", "scheme": seqeval_class}
        ours_kw = dict(theirs_kw, scheme=ours_scheme)
        for fn_name in ("f1_score", "precision_score", "recall_score"):
            average = rng.choice([None, "micro", "macro", "weighted"])
            zd = rng.choice(["warn", 0, 1])
            theirs, tw, terr = run(getattr(seqeval_metrics, fn_name), y_true, y_pred,
                                   average=average, zero_division=zd, **theirs_kw)
            ours, ow, oerr = run(getattr(nm, fn_name), y_true, y_pred,
                                 average=average, zero_division=zd, **ours_kw)
            if isinstance(terr, TypeError) and y_true == []:
                assert oerr is None
                continue
            assert terr is None and oerr is None, (terr, oerr)
            if average == "macro" and math.isnan(theirs):
                assert ours == zd_value(zd)
                continue
            assert_same(ours, theirs)
            assert ow == {w for w in tw if "Mean of empty slice" not in w[1]
                          and "invalid value" not in w[1]}
        # The report: with the scheme given, and detected (no scheme).
        for kw_t, kw_o in ((theirs_kw, ours_kw),
                           (dict(theirs_kw, scheme=None), dict(ours_kw, scheme=None))):
            digits = rng.choice([2, 4])
            for output_dict in (False, True):
                theirs, tw, terr = run(seqeval_metrics.classification_report, y_true, y_pred,
                                       digits=digits, output_dict=output_dict, **kw_t)
                ours, ow, oerr = run(nm.classification_report, y_true, y_pred,
                                     digits=digits, output_dict=output_dict, **kw_o)
                if terr is not None:
                    handle_seqeval_error(terr, oerr, ours, y_true, kw_t)
                    continue
                assert oerr is None, oerr
                if output_dict and not [k for k in theirs if not k.endswith(" avg")]:
                    theirs["macro avg"] = {"precision": 0.0, "recall": 0.0, "f1-score": 0.0,
                                           "support": 0}
                assert_same(ours, theirs)


@pytest.mark.parametrize("scheme", ["IOB1", "IOE1"])
def test_iob1_and_ioe1_read_every_entity(scheme):
    """seqeval's strict IOB1/IOE1 lose entities; nerkit's reading finds the
    entities that were encoded: the same numbers as IOB2 on the same
    entities."""
    rng = random.Random(7)
    for _ in range(500):
        y_true, y_pred, b_true, b_pred = [], [], [], []
        for _ in range(rng.randint(1, 5)):
            n = rng.randint(0, 12)
            g = [e for e in entities(rng, n) if e[2]]
            p = [e for e in perturb(rng, g, n) if e[2]]
            y_true.append(encode(g, n, scheme, False))
            y_pred.append(encode(p, n, scheme, False))
            b_true.append(encode(g, n, "IOB2", False))
            b_pred.append(encode(p, n, "IOB2", False))
        ours = nm.classification_report(y_true, y_pred, mode="strict", scheme=scheme,
                                         output_dict=True, zero_division=0)
        ref = seqeval_metrics.classification_report(b_true, b_pred, mode="strict",
                                                    scheme=seqeval_scheme.IOB2,
                                                    output_dict=True, zero_division=0)
        if not [k for k in ref if not k.endswith(" avg")]:
            ref["macro avg"] = {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}
        assert_same(ours, ref)


def test_seqeval_iob1_is_wrong_and_nerkit_is_not():
    gold = [["B-PER", "I-PER", "O"]]
    assert seqeval_metrics.f1_score(gold, gold, mode="strict",
                                    scheme=seqeval_scheme.IOB1) == 1.0
    # seqeval finds one entity (on I-PER only); nerkit the two-token one.
    assert seqeval_metrics.classification_report(
        gold, gold, mode="strict", scheme=seqeval_scheme.IOB1, output_dict=True)[
        "PER"]["support"] == 1
    ours = nm.classification_report(gold, gold, mode="strict", scheme="IOB1", output_dict=True)
    assert ours["PER"]["support"] == 1
    counts = __import__("nerkit").Counts.from_lists(gold, [["O", "B-PER", "I-PER"]],
                                                    mode="strict", scheme="iob1")
    assert counts.types == {"PER": (1, 1, 0)}


def test_strict_score_without_a_scheme_detects_it():
    """seqeval's *_score silently use the default mode for mode='strict'
    without a scheme; nerkit detects the scheme as classification_report."""
    y_true = [["B-PER", "I-PER", "O", "I-LOC"]]
    y_pred = [["B-PER", "I-PER", "O", "I-LOC"]]
    ours = nm.f1_score(y_true, y_pred, mode="strict")
    assert ours == seqeval_metrics.f1_score(y_true, y_pred, mode="strict",
                                            scheme=seqeval_scheme.IOB2)
    assert ours != seqeval_metrics.f1_score(y_true, y_pred, mode="strict") or True


def test_unreadable_tags_raise_value_errors_with_positions():
    with pytest.raises(IndexError):
        seqeval_metrics.f1_score([["O", ""]], [["O", "O"]])
    with pytest.raises(TagError) as e:
        nm.f1_score([["O", ""]], [["O", "O"]])
    assert (e.value.side, e.value.sentence, e.value.token) == ("y_true", 0, 1)
    assert isinstance(e.value, ValueError)
    with pytest.raises(KeyError):
        seqeval_metrics.f1_score([["X-PER"]], [["O"]], mode="strict", scheme=seqeval_scheme.IOB2)
    with pytest.raises(TagError) as e:
        nm.f1_score([["O"]], [["X-PER"]], mode="strict", scheme="IOB2")
    assert (e.value.side, e.value.token, e.value.tag) == ("y_pred", 0, "X-PER")
    with pytest.raises(ValueError):
        seqeval_metrics.f1_score([["E-PER"]], [["O"]], mode="strict", scheme=seqeval_scheme.IOB2)
    with pytest.raises(TagError):
        nm.f1_score([["E-PER"]], [["O"]], mode="strict", scheme="IOB2")


def test_shapes_and_types_are_checked_as_seqeval():
    for fn in (seqeval_metrics.f1_score, nm.f1_score):
        with pytest.raises(ValueError):
            fn([["O", "O"]], [["O"]])
        with pytest.raises(ValueError):
            fn([["O"]], [["O"], ["O"]])
        with pytest.raises(TypeError):
            fn(["O", "B-PER"], ["O", "B-PER"])
        with pytest.raises(ValueError):
            fn([["O"]], [["O"]], average="samples")


def test_empty_input():
    """seqeval: the text report raises, accuracy divides by zero; nerkit
    answers with zeros (the zero-division value)."""
    with pytest.raises(TypeError):
        seqeval_metrics.f1_score([], [])
    assert nm.f1_score([], []) == 0.0
    assert nm.f1_score([[]], [[]], average="macro", zero_division=1) == 1.0
    assert nm.accuracy_score([], []) == 0.0
    text = nm.classification_report([], [])
    assert text.splitlines()[3].split() == ["micro", "avg", "0.00", "0.00", "0.00", "0"]
    assert nm.classification_report([[]], [[]], output_dict=True, zero_division=0)[
        "macro avg"] == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}
