"""nerkit: exact, fast named-entity recognition evaluation and conversion.

* :mod:`nerkit.metrics`: seqeval 1.2.2's API, drop-in and fast.
* :class:`Counts`: entity counts that add with ``+`` (score shards on Dask,
  Spark or Ray and fold).
* :func:`evaluate`, :func:`read`, :func:`convert`: what the ``nerkit`` CLI
  does, on files in any layout it reads (CoNLL columns, JSON lines, inline
  brackets, span files, Label Studio, doccano, Prodigy, spaCy, ...), with
  the error analysis (``match=``) and bootstrap intervals (``bootstrap=``).
* :func:`compare`: two or more systems against the same gold, with paired
  significance tests.
* ``evaluate(..., breakdown='sentences')``: the scores of every sentence or
  document; ``evaluate(gold, pred, level='chars')``: entities matched by
  their character offsets (predictions of Hugging Face pipelines, Label
  Studio, doccano, Prodigy, spaCy), however each side was tokenized.

Errors are :class:`nerkit.Error` subclasses carrying file, line and column.
"""

import copy
import dataclasses
import json
import os
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _nerkit, scheme
from ._nerkit import Counts
from .errors import ArgumentError, Error, FileError, ParseError, TagError
from .scheme import scheme_name

__all__ = [
    "ArgumentError", "Bootstrap", "BreakdownRow", "Comparison", "Counts", "Error",
    "Evaluation", "FileError", "IllFormed", "Interval", "PairedTest", "ParseError",
    "SchemaResult", "SchemaScores", "Scores", "TagError", "compare", "convert", "evaluate",
    "read", "scheme",
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
        """The scores, and the counts that are not ``None``, as the CLI's
        JSON report writes them."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


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
class SchemaScores:
    """The counts of one matching schema (nervaluate's): correct,
    incorrect, partial, missed and spurious entities, ``possible`` (gold)
    and ``actual`` (predicted) entities, and the scores from them."""

    cor: int
    inc: int
    par: int
    mis: int
    spu: int
    possible: int
    actual: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class SchemaResult:
    """One schema over all types (``overall``) and per type."""

    overall: SchemaScores
    types: Dict[str, SchemaScores]

    def to_dict(self) -> Dict[str, Any]:
        return {"overall": self.overall.to_dict(),
                "types": {k: v.to_dict() for k, v in self.types.items()}}


@dataclasses.dataclass(frozen=True)
class Interval:
    """A point estimate and its percentile confidence interval
    (fractions in 0..1)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Bootstrap:
    """Bootstrap intervals of the micro precision, recall and F1:
    ``samples`` replicates drawn with ``seed``, each as many ``resample``
    units (``'sentences'`` or ``'documents'``) as there are (``units``),
    with replacement."""

    samples: int
    seed: int
    confidence: float
    resample: str
    units: int
    precision: Interval
    recall: Interval
    f1: Interval

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class PairedTest:
    """A paired significance test between systems ``a`` and ``b``
    (``test``: ``'bootstrap'`` or ``'permutation'``); ``p_value`` is
    two-sided, ``significant`` is ``p_value < 0.05``."""

    a: str
    b: str
    test: str
    samples: int
    seed: int
    resample: str
    f1_a: float
    f1_b: float
    delta_f1: float
    p_value: float
    significant: bool

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class BreakdownRow:
    """One row of a breakdown (``evaluate(..., breakdown=...)``, the CLI's
    ``--breakdown``): a sentence or a document, the ``index``-th (from 1)
    in input order, whose first token is on ``line`` of the gold input
    (for lists: its index in the lists, from 1; at ``level='chars'``: the
    line of its document). ``correct``, ``gold`` and ``pred`` are its
    strict entity counts after ``map`` and ``ignore`` (they sum to the
    ``strict`` schema's ``cor``, ``possible`` and ``actual``), and
    ``precision``, ``recall`` and ``f1`` its scores (0 when undefined)."""

    index: int
    line: int
    correct: int
    gold: int
    pred: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """What ``nerkit eval`` reports: per type, micro, macro and weighted
    scores, token accuracy, ill-formed chunks, and the :class:`Counts`
    behind them (which add with ``+``).

    With an analysis (any of ``match``, ``min_overlap``, ``map``,
    ``ignore``, ``errors``, ``bootstrap`` given to :func:`evaluate`), also
    what ``nerkit eval --match ... --format json`` adds; these fields are
    ``None`` otherwise:

    * ``schemas``: schema name (``strict``, ``exact``, ``partial``,
      ``type``) to :class:`SchemaResult`;
    * ``classes``: ``{'gold' | 'pred': {type: {class: count}}}``, the class
      of every entity (``correct``, ``missed``, ``boundary``, ``type``, ...);
    * ``confusion``: ``(gold type, predicted type, count)`` of the strict
      pairs, ``None`` for no entity (a missed or spurious one);
    * ``errors``: the first ``errors`` error instances, dicts with
      ``class``, ``sentence``, ``gold_line``, ``pred_line``, ``gold`` and
      ``pred`` (entities: ``label``, ``start``, ``end``, ``class``),
      ``context_start`` and ``context`` (token texts, ``_`` without them);
      ``errors_total`` is how many there are;
    * ``bootstrap``: :class:`Bootstrap`, when asked for;
    * ``breakdown``: a :class:`BreakdownRow` per ``breakdown_unit``
      (``'sentences'`` or ``'documents'``), when asked for;
    * ``min_overlap_percent``, ``map``, ``ignore``: the analysis settings.

    ``level`` is ``'tokens'``, or ``'chars'`` for entities matched by their
    character offsets (``evaluate(..., level='chars')``): then
    ``documents`` and ``characters`` (code points) are counted, and
    ``mode``, ``tokens``, ``sentences``, ``accuracy`` and ``ill_formed``,
    which have no meaning there, are ``None`` (as the CLI's JSON report
    has no such members).
    """

    mode: Optional[str]
    scheme: Optional[str]
    tokens: Optional[int]
    sentences: Optional[int]
    accuracy: Optional[float]
    micro: Scores
    macro: Scores
    weighted: Scores
    types: Dict[str, Scores]
    ill_formed: Optional[IllFormed]
    notes: List[str]
    counts: Counts = dataclasses.field(repr=False, compare=False)
    level: str = "tokens"
    documents: Optional[int] = None
    characters: Optional[int] = None
    schemas: Optional[Dict[str, SchemaResult]] = None
    classes: Optional[Dict[str, Dict[str, Dict[str, int]]]] = None
    confusion: Optional[List[Tuple[Optional[str], Optional[str], int]]] = None
    errors: Optional[List[Dict[str, Any]]] = dataclasses.field(default=None, repr=False)
    errors_total: Optional[int] = None
    bootstrap: Optional[Bootstrap] = None
    breakdown: Optional[List[BreakdownRow]] = dataclasses.field(default=None, repr=False)
    breakdown_unit: Optional[str] = None
    min_overlap_percent: Optional[float] = None
    map: Optional[Dict[str, str]] = None
    ignore: Optional[List[str]] = None

    @classmethod
    def from_counts(cls, counts: Counts) -> "Evaluation":
        """The scores of ``counts`` (for example of shards added up)."""
        return cls._from_json(_nerkit.report_json(counts), counts)

    @classmethod
    def _from_json(cls, text: str, counts: Counts) -> "Evaluation":
        return cls._from_report(json.loads(text), counts)

    @classmethod
    def _from_report(cls, r: Dict[str, Any], counts: Counts, **analysis: Any) -> "Evaluation":
        if r.get("level") == "chars":
            return cls(
                mode=None, scheme=None, tokens=None, sentences=None, accuracy=None,
                micro=Scores(**r["micro"]), macro=Scores(**r["macro"]),
                weighted=Scores(**r["weighted"]),
                types={k: Scores(**v) for k, v in r["types"].items()},
                ill_formed=None, notes=list(r["notes"]), counts=counts, level="chars",
                documents=r["documents"], characters=r["characters"], **analysis)
        return cls(
            mode=r["mode"], scheme=r["scheme"], tokens=r["tokens"],
            sentences=r["sentences"], accuracy=r["accuracy"],
            micro=Scores(**r["micro"]), macro=Scores(**r["macro"]),
            weighted=Scores(**r["weighted"]),
            types={k: Scores(**v) for k, v in r["types"].items()},
            ill_formed=IllFormed(**r["ill_formed"]), notes=list(r["notes"]), counts=counts,
            **analysis)

    @classmethod
    def _from_system(cls, s: Dict[str, Any], counts: Counts) -> "Evaluation":
        """From one system of the CLI's ``--format json`` analysis report."""
        def scores(d: Dict[str, Any]) -> SchemaScores:
            return SchemaScores(**d)

        def interval(d: Dict[str, Any]) -> Interval:
            return Interval(**d)

        b = s.get("bootstrap")
        rows = s.get("breakdown")
        return cls._from_report(
            s["report"], counts,
            schemas={name: SchemaResult(scores(t["overall"]),
                                        {k: scores(v) for k, v in t["types"].items()})
                     for name, t in s["schemas"].items()},
            classes=s["classes"],
            confusion=[(c["gold"], c["pred"], c["count"]) for c in s["confusion"]],
            errors=s["errors"]["instances"], errors_total=s["errors"]["total"],
            bootstrap=None if b is None else Bootstrap(
                samples=b["samples"], seed=b["seed"], confidence=b["confidence"],
                resample=b["resample"], units=b["units"], precision=interval(b["precision"]),
                recall=interval(b["recall"]), f1=interval(b["f1"])),
            breakdown=None if rows is None else [BreakdownRow(**r) for r in rows["rows"]],
            breakdown_unit=None if rows is None else rows["unit"],
            min_overlap_percent=s["min_overlap_percent"],
            map={m["from"]: m["to"] for m in s["map"]}, ignore=list(s["ignore"]))

    def report(self, format: str = "table") -> str:
        """The report ``nerkit eval --report FORMAT`` prints: ``'conlleval'``
        (conlleval.pl's output, byte for byte), ``'table'``, ``'json'``,
        ``'markdown'``, ``'csv'`` or ``'latex'``. For lists scored in seqeval's
        default mode use :func:`nerkit.metrics.classification_report`. (The
        analysis is not in these reports: see :meth:`to_dict`.) At
        ``level='chars'`` the report of ``nerkit eval --level chars``: no
        token accuracy, ``'conlleval'`` counts characters."""
        return _nerkit.render_report(self.counts, format)

    def to_dict(self) -> Dict[str, Any]:
        """Plain data: the shape of ``nerkit eval --report json`` (at
        ``level='chars'``, of ``nerkit eval --level chars --report json``:
        ``level``, ``unit``, ``documents``, ``characters``, the scores and
        ``notes``), and with an analysis the members the CLI's ``--match
        ... --format json`` adds to it for the system (``schemas``,
        ``classes``, ``confusion``, ``errors`` as ``{'total', 'kept',
        'instances'}``, ``bootstrap``, ``breakdown`` as ``{'unit',
        'rows'}``, ``min_overlap_percent``, ``map`` as ``[{'from', 'to'}]``,
        ``ignore``), equal to the CLI's."""
        if self.level == "chars":
            d: Dict[str, Any] = {"level": "chars", "unit": "code points",
                                 "documents": self.documents, "characters": self.characters}
            plain: Tuple[str, ...] = ("micro", "macro", "weighted", "types", "notes")
        else:
            d = {}
            plain = ("mode", "scheme", "tokens", "sentences", "accuracy", "micro", "macro",
                     "weighted", "types", "ill_formed", "notes")
        d.update({k: getattr(self, k) for k in plain})
        for k in ("micro", "macro", "weighted", "ill_formed"):
            if k in d:
                d[k] = d[k].to_dict()
        d["types"] = {k: v.to_dict() for k, v in self.types.items()}
        d["notes"] = list(self.notes)
        if self.schemas is None:
            return d
        d["min_overlap_percent"] = self.min_overlap_percent
        d["map"] = [{"from": k, "to": v} for k, v in (self.map or {}).items()]
        d["ignore"] = list(self.ignore or [])
        d["schemas"] = {k: v.to_dict() for k, v in self.schemas.items()}
        d["classes"] = copy.deepcopy(self.classes)
        d["confusion"] = [{"gold": g, "pred": p, "count": n} for g, p, n in self.confusion or []]
        instances = copy.deepcopy(self.errors or [])
        d["errors"] = {"total": self.errors_total, "kept": len(instances),
                       "instances": instances}
        if self.bootstrap is not None:
            d["bootstrap"] = self.bootstrap.to_dict()
        if self.breakdown is not None:
            d["breakdown"] = {"unit": self.breakdown_unit,
                              "rows": [r.to_dict() for r in self.breakdown]}
        return d


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Systems scored against the same gold (:func:`compare`): an
    :class:`Evaluation` per system, by name, in the order given, and a
    :class:`PairedTest` for each pair ``(a, b)``, ``a`` before ``b``."""

    systems: Dict[str, Evaluation]
    tests: List[PairedTest]

    def to_dict(self) -> Dict[str, Any]:
        return {"systems": {k: v.to_dict() for k, v in self.systems.items()},
                "tests": [t.to_dict() for t in self.tests]}


def _is_lists(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def _list_mode(mode: Optional[str]) -> Optional[str]:
    if mode in (None, "default", "strict"):
        return None if mode == "default" else mode
    raise ValueError(f"mode={mode!r}: lists are scored by seqeval's rules, mode None (its "
                     f"default mode) or 'strict'; conlleval.pl's mode is for files")


def _schemas(match: Union[None, str, Sequence[str]]) -> List[str]:
    if match is None:
        return []
    if isinstance(match, str):
        return [m.strip() for m in match.split(",") if m.strip()]
    names = list(match)
    if not all(isinstance(m, str) for m in names):
        raise TypeError(f"match: expected a schema name or a list of them, got {match!r}")
    return names


def _replicates(bootstrap: Union[None, bool, int]) -> Optional[int]:
    if bootstrap is None or bootstrap is False:
        return None
    if bootstrap is True:
        return 1000
    if not isinstance(bootstrap, int) or bootstrap < 1:
        raise ValueError(f"bootstrap={bootstrap!r}: expected a number of replicates "
                         f"(1000 is usual) or True")
    return bootstrap


_LEVELS = {"tokens": "tokens", "token": "tokens",
           "chars": "chars", "char": "chars", "characters": "chars"}


def _level(level: str, lists: bool, mode: Optional[str], scheme: Any, raw: bool,
           boundary: Optional[str], token_check: bool) -> str:
    """``level``, refusing what has no meaning at ``'chars'`` with the
    reasons ``nerkit eval --level chars`` gives."""
    name = _LEVELS.get(level) if isinstance(level, str) else None
    if name is None:
        raise ArgumentError(f"level={level!r}: unknown level \"{level}\" "
                            f"(expected tokens or chars)")
    if name == "tokens":
        return name
    reads_tags = "level='chars' matches entities by their offsets"
    if lists:
        raise ArgumentError("level='chars' scores two files of documents, each a text with "
                            "entity offsets (spans, doccano, label-studio, prodigy, spacy); "
                            "lists of tags in memory are scored at the token level")
    if mode not in (None, "conlleval") or scheme:
        raise ArgumentError(f"mode={mode!r} and scheme={scheme!r} read tags; {reads_tags}")
    if raw or boundary is not None:
        raise ArgumentError(f"raw and boundary read tags; {reads_tags}")
    if not token_check:
        raise ArgumentError("token_check=False does not apply at level='chars': the two "
                            "texts of a document must be equal")
    return name


def _breakdown(breakdown: Optional[str]) -> Optional[str]:
    """``breakdown``, refusing what ``nerkit eval --breakdown`` refuses."""
    if breakdown is None or breakdown in ("sentences", "sentence", "documents", "document"):
        return breakdown
    raise ArgumentError(f"breakdown={breakdown!r}: unknown unit \"{breakdown}\" "
                        f"(expected sentences or documents)")


def _analysis_kwargs(match, min_overlap, map, ignore, errors, seed, confidence,
                     resample, breakdown) -> Dict[str, Any]:
    if map is not None and not isinstance(map, Mapping):
        raise TypeError(f"map: expected a dict {{'old': 'new'}}, got {map!r}")
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(errors, int) or isinstance(errors, bool) or errors < 0:
        raise ValueError(f"errors={errors!r}: expected how many error instances to keep")
    return dict(schemas=_schemas(match), min_overlap=min_overlap,
                map=[(str(k), str(v)) for k, v in (map or {}).items()],
                ignore=[str(t) for t in (ignore or [])], errors=errors, seed=seed,
                confidence=confidence, resample=resample, breakdown=_breakdown(breakdown))


def evaluate(gold, pred=None, *, mode: Optional[str] = None, scheme=None,
             gold_format: Optional[str] = None, pred_format: Optional[str] = None,
             lenient: bool = False, tag_column: Optional[int] = None,
             token_check: bool = True, suffix: bool = False, raw: bool = False,
             boundary: Optional[str] = None,
             match: Union[None, str, Sequence[str]] = None,
             min_overlap: Optional[float] = None, map: Optional[Mapping[str, str]] = None,
             ignore: Optional[Sequence[str]] = None, errors: int = 0,
             bootstrap: Union[None, bool, int] = None, seed: int = 1,
             confidence: float = 0.95, resample: str = "sentences",
             breakdown: Optional[str] = None, level: str = "tokens") -> Evaluation:
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

    **Error analysis** (``nerkit eval --match``), run when any of these is
    given, fills :class:`Evaluation`'s ``schemas``, ``classes``,
    ``confusion`` and ``errors``:

    * ``match``: the matching schemas to report, ``'strict'``, ``'exact'``,
      ``'partial'``, ``'type'``, a list or comma-separated string of them,
      or ``'all'`` (all four are also reported when only another analysis
      option is given);
    * ``min_overlap``: the least share (0..1] of a gold entity's tokens a
      prediction must cover to pair with it in the overlap schemas
      (default: any shared token);
    * ``map``: ``{'old': 'new'}`` renames types on both sides, and
      ``ignore``: a list of types dropped from both sides, before the
      analysis counts (the plain scores are not changed);
    * ``errors``: how many error instances to keep in ``Evaluation.errors``
      (all are counted in ``errors_total``);
    * ``bootstrap``: ``True`` (1000) or a number of replicates: percentile
      intervals of the micro precision, recall and F1 at ``confidence``
      (a fraction), drawn with ``seed`` over ``resample`` units
      (``'sentences'``, or ``'documents'``: ``-DOCSTART-`` lines of gold).
      The same seed gives the same intervals, on any number of threads;
    * ``breakdown``: ``'sentences'`` or ``'documents'`` (``nerkit eval
      --breakdown``): ``Evaluation.breakdown`` lists a
      :class:`BreakdownRow` per sentence or document, in input order, with
      its first gold line, its strict counts and scores. Lists have one
      document; a sentence of lists is a non-empty one.

    **Character level** (``level='chars'``, ``nerkit eval --level
    chars``): ``gold`` and ``pred`` are two files of documents, a text and
    entities at offsets into it each: span files (a JSON line per text,
    ``{"text": ..., "entities": [{"start": 0, "end": 12, "label": "PER"},
    ...]}``: a Hugging Face pipeline's ``start``, ``end`` and
    ``entity_group`` per entity, or ``[start, end, label]`` lists),
    doccano, Label Studio, Prodigy or spaCy (formats detected unless
    named). They must hold the same documents in the same
    order with the same texts (else :class:`ParseError` names the first
    differing character); an entity is correct when a predicted one has
    the same start, end (in code points, Python ``str`` indices) and type,
    however either side was tokenized. ``Evaluation.level`` is then
    ``'chars'``, with ``documents`` and ``characters`` counted and no
    token accuracy; the analysis options above work as at the token level,
    in characters (``min_overlap`` is a share of a gold entity's
    characters). ``mode``, ``scheme``, ``raw``, ``boundary`` and
    ``token_check=False`` read tags and raise :class:`ArgumentError` at
    this level; so do lists in memory, which are not scored at the
    character level (write them as span files).

    For files the analysis decodes entities as the mode does
    (conlleval.pl's chunk rules, or the strict decoder of the scheme), as
    the CLI does. For lists it takes the entities the plain scores count:
    seqeval's default-mode chunks (its port of conlleval's start and end
    rules, per sentence), or in strict mode the chunks seqeval's strict
    mode keeps in the scheme; so without ``map``/``ignore`` the ``strict``
    schema's ``cor``, ``possible`` and ``actual`` are the micro
    ``correct``, ``gold`` and ``pred``. Lists have no token texts (an
    instance's context is ``_``), and an instance's ``sentence`` and lines
    are its index in the lists, from 1. A default-mode chunk that is no
    span of one sentence (seqeval finds one after a tag such as ``X``)
    raises :class:`TagError`.

    Raises :class:`ParseError` (with ``file``, ``line``, ``column``) for input
    that cannot be read exactly, :class:`FileError` for files that cannot be
    opened, :class:`TagError` for tags of lists the rules cannot read,
    :class:`ArgumentError` for a ``level`` or ``breakdown`` that is none of
    its values or does not apply.
    """
    level = _level(level, _is_lists(gold), mode, scheme, raw, boundary, token_check)
    name = scheme_name(scheme) if scheme else None
    replicates = _replicates(bootstrap)
    analysis = (match is not None or min_overlap is not None or map is not None
                or ignore is not None or errors != 0 or replicates is not None
                or breakdown is not None)
    if _is_lists(gold):
        if pred is None:
            raise TypeError("evaluate: lists of gold tags need lists of predicted tags")
        list_mode = _list_mode(mode)
        if not analysis:
            return Evaluation.from_counts(Counts.from_lists(gold, pred, list_mode, name, suffix))
        text, counts = _nerkit.analyze_lists(
            gold, [pred], ["y_pred"], mode=list_mode, scheme=name, suffix=suffix,
            replicates=replicates, **_analysis_kwargs(match, min_overlap, map, ignore, errors,
                                                      seed, confidence, resample, breakdown))
        return Evaluation._from_system(json.loads(text)["systems"][0], counts[0])
    if not analysis:
        report, plain = _nerkit.evaluate_files(
            os.fspath(gold), None if pred is None else os.fspath(pred),
            mode or "conlleval", name, gold_format, pred_format, lenient, tag_column,
            token_check, raw, boundary, level)
        return Evaluation._from_json(report, plain)
    preds = [] if pred is None else [os.fspath(pred)]
    text, counts = _nerkit.analyze_files(
        os.fspath(gold), preds, preds or [os.fspath(gold)], mode=mode or "conlleval",
        scheme=name, gold_format=gold_format, pred_format=pred_format, lenient=lenient,
        tag_column=tag_column, token_check=token_check, raw=raw, boundary=boundary,
        replicates=replicates, level=level,
        **_analysis_kwargs(match, min_overlap, map, ignore, errors, seed, confidence, resample,
                           breakdown))
    return Evaluation._from_system(json.loads(text)["systems"][0], counts[0])


def compare(gold, preds, *, test: Optional[str] = "bootstrap", bootstrap: int = 1000,
            seed: int = 1, confidence: float = 0.95, resample: str = "sentences",
            intervals: bool = True, mode: Optional[str] = None, scheme=None,
            gold_format: Optional[str] = None, pred_format: Optional[str] = None,
            lenient: bool = False, tag_column: Optional[int] = None,
            token_check: bool = True, suffix: bool = False, raw: bool = False,
            boundary: Optional[str] = None, match: Union[None, str, Sequence[str]] = None,
            min_overlap: Optional[float] = None, map: Optional[Mapping[str, str]] = None,
            ignore: Optional[Sequence[str]] = None, errors: int = 0,
            breakdown: Optional[str] = None, level: str = "tokens") -> Comparison:
    """Scores two or more systems against the same gold and tests each pair,
    as ``nerkit eval --bootstrap GOLD PRED1 PRED2 ...`` does.

    ``gold`` is a file and ``preds`` a list of prediction files (named by
    their paths as given) or a dict ``{name: file}``; or ``gold`` is a list
    of lists of tags and ``preds`` a list of such lists (named
    ``preds[0]``, ...) or a dict of them. Every system is read and analysed
    as :func:`evaluate` does with the same keywords (``breakdown`` gives
    each system's rows; ``level='chars'`` scores files of documents by
    character offsets).

    ``test``: the paired test between each pair, ``'bootstrap'`` (the
    paired bootstrap of Koehn 2004 and Berg-Kirkpatrick et al. 2012) or
    ``'permutation'`` (approximate randomization), of ``bootstrap``
    replicates or rounds from ``seed``, resampling or permuting
    ``resample`` units; ``None`` for intervals only. ``intervals``: each
    system's bootstrap intervals at ``confidence`` as well. A system
    against itself gets p = 1.

    Returns a :class:`Comparison`: ``systems`` (name to
    :class:`Evaluation`, with its ``bootstrap``) and ``tests``
    (:class:`PairedTest`).
    """
    if isinstance(preds, Mapping):
        names = [str(k) for k in preds]
        systems = list(preds.values())
    else:
        systems = list(preds)
        lists = _is_lists(gold)
        names = [f"preds[{k}]" if lists else os.fspath(p) for k, p in enumerate(systems)]
    if len(systems) < 2:
        raise ValueError("compare needs two or more systems; evaluate(gold, pred, "
                         "bootstrap=True) gives the intervals of one")
    if len(set(names)) != len(names):
        raise ValueError(f"two systems have the same name in {names}: "
                         f"pass preds as a dict {{name: predictions}}")
    if test is not None and test not in ("bootstrap", "permutation"):
        raise ValueError(f"test={test!r}: expected 'bootstrap', 'permutation' or None")
    if test is None and not intervals:
        raise ValueError("compare with test=None and intervals=False has nothing to compute")
    replicates = _replicates(bootstrap)
    if replicates is None:
        raise ValueError(f"bootstrap={bootstrap!r}: compare needs a number of replicates")
    level = _level(level, _is_lists(gold), mode, scheme, raw, boundary, token_check)
    name = scheme_name(scheme) if scheme else None
    kwargs = _analysis_kwargs(match, min_overlap, map, ignore, errors, seed, confidence,
                              resample, breakdown)
    if _is_lists(gold):
        text, counts = _nerkit.analyze_lists(
            gold, systems, names, mode=_list_mode(mode), scheme=name, suffix=suffix,
            replicates=replicates, intervals=intervals, test=test, **kwargs)
    else:
        text, counts = _nerkit.analyze_files(
            os.fspath(gold), [os.fspath(p) for p in systems], names,
            mode=mode or "conlleval", scheme=name, gold_format=gold_format,
            pred_format=pred_format, lenient=lenient, tag_column=tag_column,
            token_check=token_check, raw=raw, boundary=boundary, replicates=replicates,
            intervals=intervals, test=test, level=level, **kwargs)
    r = json.loads(text)
    return Comparison(
        systems={n: Evaluation._from_system(s, c)
                 for n, s, c in zip(names, r["systems"], counts)},
        tests=[PairedTest(**t) for t in r["tests"]])


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
