"""Exceptions raised by nerkit.

Every error nerkit raises is a :class:`Error`. Errors about the content of an
input or about arguments also derive from :class:`ValueError` (so code
written for seqeval's ``ValueError`` keeps working), and errors of the file
system from :class:`OSError`.
"""

from typing import Optional


class Error(Exception):
    """Base class of nerkit's errors.

    ``file``, ``line`` and ``column`` say where in an input the problem is
    (lines and columns from 1), when the error comes from a file.
    """

    def __init__(self, message: str, file: Optional[str] = None,
                 line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column


class ParseError(Error, ValueError):
    """An input that cannot be read exactly: the message names the fix."""


class FileError(Error, OSError):
    """An input or output file that cannot be opened, read or written."""


class ArgumentError(Error, ValueError):
    """A keyword argument that is none of its values, or that has no
    meaning with the others (``level='chars'`` with ``mode='strict'``);
    the message is the CLI's for the same flags where it has one."""


class TagError(Error, ValueError):
    """A tag in ``y_true``/``y_pred`` the chosen rules cannot read.

    ``side`` is ``'y_true'`` or ``'y_pred'``; ``sentence`` and ``token``
    index into that list (from 0); ``tag`` is the tag as given.
    """

    def __init__(self, message: str, side: str, sentence: int, token: int, tag: str):
        super().__init__(message)
        self.side = side
        self.sentence = sentence
        self.token = token
        self.tag = tag
