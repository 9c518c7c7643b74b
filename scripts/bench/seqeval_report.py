"""seqeval peer for scripts/bench-peers.sh: FILE [default|strict SCHEME].
Scores a conlleval-layout file with seqeval's classification_report, in its
default (conlleval-like) mode or in strict mode with a scheme (IOB2,
IOBES), and prints the report: file to report, like nerkit eval."""
import sys

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2, IOBES

import conll_columns

path = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "default"
y_true, y_pred = conll_columns.read(path)
if mode == "strict":
    scheme = {"iob2": IOB2, "iobes": IOBES}[sys.argv[3].lower()]
    print(classification_report(y_true, y_pred, digits=4, mode="strict", scheme=scheme))
else:
    print(classification_report(y_true, y_pred, digits=4))
