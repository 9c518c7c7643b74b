"""seqeval 1.2.2's ``seqeval.metrics``, drop-in, counted by nerkit's Rust core.

Replace ``from seqeval.metrics import ...`` with ``from nerkit.metrics import
...``: the functions take the same arguments and give the same numbers, the
same report text and the same warnings, on every input where seqeval is
right. Where seqeval is wrong, nerkit gives the answer listed in the package
README ("Compatibility with seqeval"): IOB1 and IOE1 in strict mode, empty
input, averages over no types, unreadable tags, ``mode='strict'`` without a
scheme in the ``*_score`` functions.

Counting (tags to entities, entities matched) runs in Rust with the GIL
released; the arithmetic on the counts below is seqeval's, operation for
operation, so that floats are equal bit for bit (numpy's ``np.average`` is
used when numpy is installed, as seqeval does).
"""

import sys
import warnings
from typing import Dict, List, Optional, Sequence, Union

from . import _nerkit
from .scheme import scheme_name

try:  # seqeval returns per-type results as numpy arrays.
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is optional
    _np = None

__all__ = [
    "accuracy_score",
    "classification_report",
    "f1_score",
    "performance_measure",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "UndefinedMetricWarning",
]


class UndefinedMetricWarning(UserWarning):
    """A precision, recall or F-score divided by zero (seqeval raises
    scikit-learn's warning of this name; nerkit raises scikit-learn's too
    when scikit-learn is imported, so filters on it keep working)."""


def _warning_class():
    sk = sys.modules.get("sklearn.exceptions")
    return getattr(sk, "UndefinedMetricWarning", UndefinedMetricWarning)


_AVERAGES = (None, "micro", "macro", "weighted")


def _counts(y_true, y_pred, mode, scheme, suffix):
    """Counts in seqeval's default mode, or strict mode in ``scheme``
    (detected from the tags when ``None``)."""
    if mode == "strict":
        name = scheme_name(scheme) if scheme else None
        return _nerkit.Counts.from_lists(y_true, y_pred, "strict", name, bool(suffix))
    counts = _nerkit.Counts.from_lists(y_true, y_pred, None, None, bool(suffix))
    for tag in counts.not_ne_tags:
        warnings.warn("{} seems not to be NE tag.".format(tag))
    return counts


def _sums(counts):
    names = list(counts.types)
    values = list(counts.types.values())
    true_sum = [v[0] for v in values]
    pred_sum = [v[1] for v in values]
    tp_sum = [v[2] for v in values]
    return names, tp_sum, pred_sum, true_sum


def _zero_division_value(zero_division):
    return 0.0 if zero_division in ["warn", 0] else 1.0


def _warn_prf(average, modifier, msg_start, result_size):
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    msg = (
        "{0} ill-defined and being set to 0.0 {{0}} "
        "no {1} {2}s. Use `zero_division` parameter to control"
        " this behavior.".format(msg_start, modifier, axis0)
    )
    if result_size == 1:
        msg = msg.format("due to")
    else:
        msg = msg.format("in {0}s with".format(axis1))
    warnings.warn(msg, _warning_class(), stacklevel=4)


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    result = [n / d if d != 0 else 0.0 for n, d in zip(numerator, denominator)]
    mask = [d == 0 for d in denominator]
    if not any(mask):
        return result
    value = _zero_division_value(zero_division)
    result = [value if m else r for r, m in zip(result, mask)]
    if zero_division != "warn" or metric not in warn_for:
        return result
    if metric in warn_for and "f-score" in warn_for:
        msg_start = "{0} and F-score are".format(metric.title())
    elif metric in warn_for:
        msg_start = "{0} is".format(metric.title())
    elif "f-score" in warn_for:  # pragma: no cover - as in seqeval
        msg_start = "F-score is"
    else:  # pragma: no cover
        return result
    _warn_prf(average, modifier, msg_start, len(result))
    return result


def _pairwise_sum(a: Sequence[float]) -> float:
    """numpy's summation of a contiguous float64 array (the first element,
    then its pairwise sum of the rest), for when numpy is not installed."""

    def pw(lo, n):
        if n < 8:
            res = -0.0
            for i in range(lo, lo + n):
                res += a[i]
            return res
        if n <= 128:
            r = [a[lo + j] for j in range(8)]
            i = 8
            while i < n - (n % 8):
                for j in range(8):
                    r[j] += a[lo + i + j]
                i += 8
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n:
                res += a[lo + i]
                i += 1
            return res
        n2 = n // 2
        n2 -= n2 % 8
        return pw(lo, n2) + pw(lo + n2, n - n2)

    if not a:
        return 0.0
    return a[0] + pw(1, len(a) - 1)


def _mean(values: List[float]) -> float:
    if _np is not None:
        return float(_np.average(_np.asarray(values, dtype=_np.float64)))
    return _pairwise_sum(values) / len(values)


def _weighted_mean(values: List[float], weights: List[int]) -> float:
    if _np is not None:
        return float(_np.average(_np.asarray(values, dtype=_np.float64),
                                 weights=_np.asarray(weights, dtype=_np.int64)))
    products = [v * float(w) for v, w in zip(values, weights)]
    return _pairwise_sum(products) / _pairwise_sum([float(w) for w in weights])


def _array(values, integer=False):
    if _np is None:
        return list(values)
    return _np.asarray(values, dtype=_np.int64 if integer else _np.float64)


def _prfs_from_sums(tp_sum, pred_sum, true_sum, *, average, warn_for, beta, zero_division):
    """seqeval's ``_precision_recall_fscore_support`` after the counting."""
    if beta < 0:
        raise ValueError("beta should be >=0 in the F-beta score")
    if average not in _AVERAGES:
        raise ValueError("average has to be one of {}".format(_AVERAGES))
    if average == "micro":
        tp_sum, pred_sum, true_sum = [sum(tp_sum)], [sum(pred_sum)], [sum(true_sum)]
    beta2 = beta ** 2
    precision = _prf_divide(tp_sum, pred_sum, "precision", "predicted", average, warn_for,
                            zero_division)
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if zero_division == "warn" and ("f-score",) == warn_for:
        if any(p == 0 for p, t in zip(pred_sum, true_sum) if t == 0):
            _warn_prf(average, "true nor predicted", "F-score is", len(true_sum))
    if beta == float("inf"):
        f_score = list(recall)
    else:
        f_score = []
        for p, r in zip(precision, recall):
            denom = beta2 * p + r
            if denom == 0.0:
                denom = 1
            f_score.append((1 + beta2) * p * r / denom)

    if average == "weighted":
        if sum(true_sum) == 0:
            value = _zero_division_value(zero_division)
            none_predicted = sum(pred_sum) == 0
            return (value if none_predicted else 0.0, value,
                    value if none_predicted else 0.0, sum(true_sum))
        return (_weighted_mean(precision, true_sum), _weighted_mean(recall, true_sum),
                _weighted_mean(f_score, true_sum), int(sum(true_sum)))
    if average is not None:
        if not precision:
            # Macro over no types: seqeval's numpy mean of nothing is NaN;
            # nerkit gives the zero-division value, as micro and weighted do.
            value = _zero_division_value(zero_division)
            return value, value, value, 0
        return _mean(precision), _mean(recall), _mean(f_score), int(sum(true_sum))
    return (_array(precision), _array(recall), _array(f_score), _array(true_sum, integer=True))


def precision_recall_fscore_support(y_true: List[List[str]], y_pred: List[List[str]], *,
                                    average: Optional[str] = None,
                                    warn_for=("precision", "recall", "f-score"),
                                    beta: float = 1.0,
                                    sample_weight: Optional[List[int]] = None,
                                    zero_division: Union[str, int] = "warn",
                                    suffix: bool = False,
                                    mode: Optional[str] = None,
                                    scheme=None):
    """Precision, recall, F-beta and support, per type (``average=None``)
    or averaged (``'micro'``, ``'macro'``, ``'weighted'``), as seqeval's
    function of this name. ``sample_weight`` has no effect, as in seqeval.
    """
    counts = _counts(y_true, y_pred, mode, scheme, suffix)
    _, tp_sum, pred_sum, true_sum = _sums(counts)
    return _prfs_from_sums(tp_sum, pred_sum, true_sum, average=average, warn_for=warn_for,
                           beta=beta, zero_division=zero_division)


def _score(index, warn_for, y_true, y_pred, average, suffix, mode, sample_weight,
           zero_division, scheme):
    result = precision_recall_fscore_support(
        y_true, y_pred, average=average, warn_for=warn_for, beta=1,
        sample_weight=sample_weight, zero_division=zero_division, suffix=suffix,
        mode=mode, scheme=scheme)
    return result[index]


def f1_score(y_true: List[List[str]], y_pred: List[List[str]], *,
             average: Optional[str] = "micro", suffix: bool = False,
             mode: Optional[str] = None, sample_weight: Optional[List[int]] = None,
             zero_division: Union[str, int] = "warn", scheme=None):
    """Entity F1 (seqeval's ``f1_score``).

    ``mode=None`` scores as seqeval's default (conlleval-like) mode;
    ``mode='strict'`` counts only entities well-formed in ``scheme`` (a class
    of ``nerkit.scheme`` or ``seqeval.scheme``, or a name); without a scheme
    it is detected from ``y_true`` (seqeval silently falls back to the
    default mode there).

    >>> f1_score([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']])
    1.0
    """
    return _score(2, ("f-score",), y_true, y_pred, average, suffix, mode, sample_weight,
                  zero_division, scheme)


def precision_score(y_true: List[List[str]], y_pred: List[List[str]], *,
                    average: Optional[str] = "micro", suffix: bool = False,
                    mode: Optional[str] = None, sample_weight: Optional[List[int]] = None,
                    zero_division: Union[str, int] = "warn", scheme=None):
    """Entity precision (seqeval's ``precision_score``); see :func:`f1_score`."""
    return _score(0, ("precision",), y_true, y_pred, average, suffix, mode, sample_weight,
                  zero_division, scheme)


def recall_score(y_true: List[List[str]], y_pred: List[List[str]], *,
                 average: Optional[str] = "micro", suffix: bool = False,
                 mode: Optional[str] = None, sample_weight: Optional[List[int]] = None,
                 zero_division: Union[str, int] = "warn", scheme=None):
    """Entity recall (seqeval's ``recall_score``); see :func:`f1_score`."""
    return _score(1, ("recall",), y_true, y_pred, average, suffix, mode, sample_weight,
                  zero_division, scheme)


def _nested(y_true, y_pred):
    if any(isinstance(s, (list, tuple)) for s in y_true):
        return y_true, y_pred
    return [list(y_true)], [list(y_pred)]


def accuracy_score(y_true, y_pred) -> float:
    """Share of tokens whose predicted tag equals the gold tag, over lists
    of lists or flat lists (seqeval's ``accuracy_score``). 0.0 on empty
    input (seqeval raises ``ZeroDivisionError``)."""
    tokens, equal, *_ = _nerkit.token_counts(*_nested(y_true, y_pred))
    return equal / tokens if tokens else 0.0


def performance_measure(y_true, y_pred) -> Dict[str, int]:
    """Token-level ``{'TP', 'FP', 'FN', 'TN'}`` with seqeval's definitions:
    TP equal tags not both ``O``; FP different tags, prediction not ``O``;
    FN gold not ``O``, prediction ``O``; TN both ``O``."""
    _, _, tp, fp, fn, tn = _nerkit.token_counts(*_nested(y_true, y_pred))
    return {"TP": tp, "FP": fp, "FN": fn, "TN": tn}


class _StringReporter:
    """seqeval's ``StringReporter``, line for line."""

    def __init__(self, width, digits):
        self.buffer = []
        self.row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}"
        self.width = width
        self.digits = digits

    def report(self):
        headers = ["precision", "recall", "f1-score", "support"]
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        report = head_fmt.format("", *headers, width=self.width)
        report += "\n\n"
        return report + "\n".join(self.buffer)

    def write(self, row_name, precision, recall, f1, support):
        self.buffer.append(self.row_fmt.format(row_name, precision, recall, f1, support,
                                               width=self.width, digits=self.digits))

    def write_blank(self):
        self.buffer.append("")


class _DictReporter:
    def __init__(self):
        self.report_dict = {}

    def report(self):
        return self.report_dict

    def write(self, row_name, precision, recall, f1, support):
        self.report_dict[row_name] = {
            "precision": precision, "recall": recall, "f1-score": f1, "support": support,
        }

    def write_blank(self):
        pass


def classification_report(y_true, y_pred, digits: int = 2, suffix: bool = False,
                          output_dict: bool = False, mode: Optional[str] = None,
                          sample_weight: Optional[List[int]] = None,
                          zero_division: Union[str, int] = "warn", scheme=None):
    """seqeval's text report (or, with ``output_dict=True``, a dict): one
    row per type, then micro, macro and weighted averages.

    With ``mode='strict'`` and no scheme, the scheme is detected from
    ``y_true`` as seqeval does (and from ``y_pred`` when ``y_true`` has no
    entity tag, where seqeval raises). With no types at all the report has
    only the average rows (seqeval raises ``ValueError``).

    >>> print(classification_report([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']]))
                  precision    recall  f1-score   support
    <BLANKLINE>
             PER       1.00      1.00      1.00         1
    <BLANKLINE>
       micro avg       1.00      1.00      1.00         1
       macro avg       1.00      1.00      1.00         1
    weighted avg       1.00      1.00      1.00         1
    <BLANKLINE>
    """
    counts = _counts(y_true, y_pred, "strict" if mode == "strict" else None, scheme, suffix)
    names, tp_sum, pred_sum, true_sum = _sums(counts)
    if output_dict:
        reporter = _DictReporter()
    else:
        width = max([len(n) for n in names] + [len("weighted avg"), digits])
        reporter = _StringReporter(width=width, digits=digits)
    p, r, f1, s = _prfs_from_sums(tp_sum, pred_sum, true_sum, average=None,
                                  warn_for=("precision", "recall", "f-score"), beta=1.0,
                                  zero_division=zero_division)
    for row in zip(names, p, r, f1, s):
        name, pv, rv, fv, sv = row
        reporter.write(name, float(pv), float(rv), float(fv), int(sv))
    reporter.write_blank()
    for average in ("micro", "macro", "weighted"):
        ap, ar, af, support = _prfs_from_sums(
            tp_sum, pred_sum, true_sum, average=average,
            warn_for=("precision", "recall", "f-score"), beta=1.0,
            zero_division=zero_division)
        reporter.write("{} avg".format(average), float(ap), float(ar), float(af), int(support))
    reporter.write_blank()
    return reporter.report()
