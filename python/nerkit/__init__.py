"""nerkit: exact, fast named-entity recognition evaluation and conversion.

* :mod:`nerkit.metrics`: seqeval 1.2.2's API, drop-in and fast.
* :class:`Counts`: entity counts that add with ``+`` (score shards on Dask,
  Spark or Ray and fold).
* :func:`evaluate`, :func:`read`, :func:`convert`: what the ``nerkit`` CLI
  does, on files in any layout it reads (CoNLL columns, JSON lines, inline
  brackets, span files, Label Studio, doccano, Prodigy, spaCy, ...).

Errors are :class:`nerkit.Error` subclasses carrying file, line and column.
"""

import dataclasses
import json
import os
from typing import Any, Dict, Iterator, List, Optional, Union

from . import _nerkit, scheme
from ._nerkit import Counts
from .errors import Error, FileError, ParseError, TagError
from .scheme import scheme_name

__all__ = [
    "Counts", "Error", "Evaluation", "FileError", "IllFormed", "ParseError", "Scores",
    "TagError", "convert", "evaluate", "read", "scheme",
]
__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]


@dataclasses.dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 (fractions in 0..1), with the entity counts
    they come from (``None`` for macro and weighted averages)."""

    precision: float
    recall: float
    f1: float
    gold: Optional[int] = None
    pred: Optional[int] = None
    correct: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class IllFormed:
    """Chunks strict mode dropped because their tags are not well-formed in
    the scheme, per side, with the lines (sentence numbers for lists) of
    the first few."""

    gold: int
    pred: int
    gold_lines: List[int]
    pred_lines: List[int]

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """What ``nerkit eval`` reports: per type, micro, macro and weighted
    scores, token accuracy, ill-formed chunks, and the :class:`Counts`
    behind them (which add with ``+``)."""

    mode: str
    scheme: Optional[str]
    tokens: int
    sentences: int
    accuracy: float
    micro: Scores
    macro: Scores
    weighted: Scores
    types: Dict[str, Scores]
    ill_formed: IllFormed
    notes: List[str]
    counts: Counts = dataclasses.field(repr=False, compare=False)

    @classmethod
    def from_counts(cls, counts: Counts) -> "Evaluation":
        """The scores of ``counts`` (for example of shards added up)."""
        return cls._from_json(_nerkit.report_json(counts), counts)

    @classmethod
    def _from_json(cls, text: str, counts: Counts) -> "Evaluation":
        r = json.loads(text)
        return cls(
            mode=r["mode"], scheme=r["scheme"], tokens=r["tokens"],
            sentences=r["sentences"], accuracy=r["accuracy"],
            micro=Scores(**r["micro"]), macro=Scores(**r["macro"]),
            weighted=Scores(**r["weighted"]),
            types={k: Scores(**v) for k, v in r["types"].items()},
            ill_formed=IllFormed(**r["ill_formed"]), notes=list(r["notes"]), counts=counts)

    def report(self, format: str = "table") -> str:
        """The report ``nerkit eval --report FORMAT`` prints: ``'conlleval'``
        (conlleval.pl's output, byte for byte), ``'table'``, ``'json'``,
        ``'markdown'``, ``'csv'`` or ``'latex'``. For lists scored in seqeval's
        default mode use :func:`nerkit.metrics.classification_report`."""
        return _nerkit.render_report(self.counts, format)

    def to_dict(self) -> Dict[str, Any]:
        """Plain data, the shape of ``nerkit eval --report json``."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "counts"}
        for k in ("micro", "macro", "weighted", "ill_formed"):
            d[k] = d[k].to_dict()
        d["types"] = {k: v.to_dict() for k, v in self.types.items()}
        return d


def evaluate(gold, pred=None, *, mode: Optional[str] = None, scheme=None,
             gold_format: Optional[str] = None, pred_format: Optional[str] = None,
             lenient: bool = False, tag_column: Optional[int] = None,
             token_check: bool = True, suffix: bool = False, raw: bool = False,
             boundary: Optional[str] = None) -> Evaluation:
    """Scores predictions against gold, as ``nerkit eval`` does.

    ``gold`` and ``pred`` are either two files (paths; formats detected
    unless named, read with the CLI's readers) or two lists of lists of tags
    held in memory. One file and ``pred=None`` is conlleval's layout (token,
    gold tag, predicted tag per line).

    ``mode``: for files ``'conlleval'`` (the default: conlleval.pl's numbers)
    or ``'strict'``; for lists ``None`` (seqeval's default mode) or
    ``'strict'``. ``scheme``: the scheme of strict mode (a
    :mod:`nerkit.scheme` class, a seqeval class, or a name). ``raw`` and
    ``boundary`` are conlleval.pl's ``-r`` and ``-o`` (conlleval mode).
    ``token_check=False`` scores two files whose token texts differ.

    Raises :class:`ParseError` (with ``file``, ``line``, ``column``) for input
    that cannot be read exactly, :class:`FileError` for files that cannot be
    opened, :class:`TagError` for tags of lists the rules cannot read.
    """
    name = scheme_name(scheme) if scheme else None
    if isinstance(gold, (list, tuple)):
        if pred is None:
            raise TypeError("evaluate: lists of gold tags need lists of predicted tags")
        counts = Counts.from_lists(gold, pred, "strict" if mode == "strict" else None, name,
                                   suffix)
        return Evaluation.from_counts(counts)
    text, counts = _nerkit.evaluate_files(
        os.fspath(gold), None if pred is None else os.fspath(pred),
        mode or "conlleval", name, gold_format, pred_format, lenient, tag_column, token_check,
        raw, boundary)
    return Evaluation._from_json(text, counts)


def read(path: PathLike, format: Optional[str] = None, *, scheme=None, lenient: bool = False,
         tag_column: Optional[int] = None, tags: str = "iob2") -> Iterator[Dict[str, Any]]:
    """Iterates over the sentences of a file in any layout nerkit reads,
    one at a time (memory does not grow with the file).

    Each sentence is a dict: ``tokens`` (list of str), ``tags`` (in the
    ``tags`` scheme), ``offsets`` (byte ``(start, end)`` of each token in its
    line or text), ``entities`` (``(label, start, end)`` token ranges, end
    exclusive) and ``line`` (where it starts). ``format`` names the layout
    (``'conll'``, ``'jsonl'``, ``'bracket'``, ...) or ``None`` to detect it;
    ``scheme`` is the scheme of tagged input (detected when ``None``).
    """
    return _nerkit.read(os.fspath(path), format, scheme_name(scheme) if scheme else None,
                        lenient, tag_column, scheme_name(tags))


def convert(src: PathLike, dst: PathLike, *, to: Optional[str] = None,
            from_: Optional[str] = None, scheme=None, to_scheme="iob2", lenient: bool = False,
            tag_column: Optional[int] = None) -> Dict[str, int]:
    """Converts ``src`` to ``dst`` as ``nerkit convert`` does; entities in
    equal entities out. ``to`` is the output format (from ``dst``'s
    extension when ``None``: ``.jsonl`` is JSON lines, anything else CoNLL);
    ``to_scheme`` the scheme of written tags. Returns counts of sentences,
    tokens, entities read and written, and repairs."""
    return _nerkit.convert(os.fspath(src), os.fspath(dst), to, from_,
                           scheme_name(scheme) if scheme else None, scheme_name(to_scheme),
                           lenient, tag_column)
