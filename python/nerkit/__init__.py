"""nerkit: exact, fast named-entity recognition evaluation and conversion.

* :mod:`nerkit.metrics`: seqeval 1.2.2's API, drop-in and fast.
* :class:`Counts`: entity counts that add with ``+`` (score shards on Dask,
  Spark or Ray and fold).
* :func:`evaluate`, :func:`read`, :func:`convert`: what the ``nerkit`` CLI
  does, on files in any layout it reads.

Errors are :class:`nerkit.Error` subclasses carrying file, line and column.
"""

from ._nerkit import Counts
from .errors import Error, FileError, ParseError, TagError
from . import scheme

__all__ = ["Counts", "Error", "FileError", "ParseError", "TagError", "scheme"]
__version__ = "0.1.0"
