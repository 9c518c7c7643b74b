"""Tag schemes, named as seqeval names them.

``nerkit.metrics`` takes these classes, seqeval's own
(``seqeval.scheme.IOB2``), or a name (``'IOB2'``, ``'BIO'``, ``'BILOU'``)
wherever seqeval takes a scheme.
"""


class Token:
    """Base of the scheme classes; ``name`` is nerkit's name of the scheme."""

    name = ""


class IO(Token):
    """IO: every entity token is ``I-X`` (not in seqeval)."""

    name = "io"


class IOB1(Token):
    """IOB1: ``I-X``, with ``B-X`` only where an entity follows one of its type."""

    name = "iob1"


class IOB2(Token):
    """IOB2 (BIO): ``B-X`` on the first token of every entity, ``I-X`` after."""

    name = "iob2"


class IOE1(Token):
    """IOE1: ``I-X``, with ``E-X`` only where an entity precedes one of its type."""

    name = "ioe1"


class IOE2(Token):
    """IOE2: ``E-X`` on the last token of every entity, ``I-X`` before."""

    name = "ioe2"


class IOBES(Token):
    """IOBES (BIOES): ``S-X`` alone, or ``B-X``, ``I-X``..., ``E-X``."""

    name = "iobes"


class BILOU(Token):
    """BILOU: ``U-X`` alone, or ``B-X``, ``I-X``..., ``L-X``."""

    name = "bilou"


def scheme_name(scheme) -> str:
    """nerkit's name of ``scheme``: a class of this module or of
    ``seqeval.scheme``, an instance of one, or a name such as ``'BIO'``."""
    if isinstance(scheme, str):
        return scheme
    if isinstance(scheme, type):
        return getattr(scheme, "name", "") or scheme.__name__
    return getattr(scheme, "name", "") or type(scheme).__name__
