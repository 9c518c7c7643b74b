"""Type stubs of the compiled module (python/src/lib.rs, python/src/files.rs)."""

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

class Counts:
    """Entity counts of a corpus or a shard; add with ``+``; pickle."""

    def __init__(self, mode: str = "default", scheme: Optional[str] = None) -> None: ...
    @staticmethod
    def from_lists(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]],
                   mode: Optional[str] = None, scheme: Optional[str] = None,
                   suffix: bool = False) -> "Counts": ...
    @property
    def mode(self) -> str: ...
    @property
    def scheme(self) -> Optional[str]: ...
    @property
    def tokens(self) -> int: ...
    @property
    def correct_tags(self) -> int: ...
    @property
    def sentences(self) -> int: ...
    @property
    def types(self) -> Dict[str, Tuple[int, int, int]]: ...
    @property
    def total(self) -> Tuple[int, int, int]: ...
    @property
    def ill_formed(self) -> Tuple[int, int]: ...
    @property
    def not_ne_tags(self) -> List[str]: ...
    def __add__(self, other: "Counts | int") -> "Counts": ...
    def __radd__(self, other: "Counts | int") -> "Counts": ...
    def __eq__(self, other: object) -> bool: ...

class Sentences(Iterator[Dict[str, Any]]):
    @property
    def format(self) -> str: ...
    def __iter__(self) -> "Sentences": ...
    def __next__(self) -> Dict[str, Any]: ...

def token_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]
                 ) -> Tuple[int, int, int, int, int, int]: ...
def read(path: str, format: Optional[str] = None, scheme: Optional[str] = None,
         lenient: bool = False, tag_column: Optional[int] = None,
         tags: str = "iob2") -> Sentences: ...
def convert(src: str, dst: str, to: Optional[str] = None, from_: Optional[str] = None,
            scheme: Optional[str] = None, to_scheme: str = "iob2", lenient: bool = False,
            tag_column: Optional[int] = None) -> Dict[str, int]: ...
def evaluate_files(gold: str, pred: Optional[str] = None, mode: str = "conlleval",
                   scheme: Optional[str] = None, gold_format: Optional[str] = None,
                   pred_format: Optional[str] = None, lenient: bool = False,
                   tag_column: Optional[int] = None,
                   token_check: bool = True, raw: bool = False,
                   boundary: Optional[str] = None, level: str = "tokens"
                   ) -> Tuple[str, Counts]: ...
def render_report(counts: Counts, format: str) -> str: ...
def report_json(counts: Counts) -> str: ...
def analyze_files(gold: str, preds: Sequence[str], names: Sequence[str],
                  mode: str = "conlleval", scheme: Optional[str] = None,
                  gold_format: Optional[str] = None, pred_format: Optional[str] = None,
                  lenient: bool = False, tag_column: Optional[int] = None,
                  token_check: bool = True, raw: bool = False,
                  boundary: Optional[str] = None, schemas: Sequence[str] = ...,
                  min_overlap: Optional[float] = None,
                  map: Sequence[Tuple[str, str]] = ..., ignore: Sequence[str] = ...,
                  errors: int = 0, replicates: Optional[int] = None, intervals: bool = True,
                  test: Optional[str] = None, seed: int = 1, confidence: float = 0.95,
                  resample: str = "sentences", breakdown: Optional[str] = None,
                  level: str = "tokens") -> Tuple[str, List[Counts]]:
    """The CLI's ``eval --format json`` analysis of each system (``preds``
    empty: one file in conlleval's layout) as ``{"systems": [...],
    "tests": [...]}``, and each system's counts."""
def analyze_lists(y_true: Sequence[Sequence[str]], y_preds: Sequence[Sequence[Sequence[str]]],
                  names: Sequence[str], mode: Optional[str] = None,
                  scheme: Optional[str] = None, suffix: bool = False,
                  schemas: Sequence[str] = ..., min_overlap: Optional[float] = None,
                  map: Sequence[Tuple[str, str]] = ..., ignore: Sequence[str] = ...,
                  errors: int = 0, replicates: Optional[int] = None, intervals: bool = True,
                  test: Optional[str] = None, seed: int = 1, confidence: float = 0.95,
                  resample: str = "sentences", breakdown: Optional[str] = None
                  ) -> Tuple[str, List[Counts]]:
    """``analyze_files`` over lists of tags, scored as ``Counts.from_lists``
    scores them."""
