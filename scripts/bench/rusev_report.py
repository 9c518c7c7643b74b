"""rusev-py peer for scripts/bench-peers.sh: FILE [default|strict SCHEME].

rusev-py 0.1.0's Python wrapper (rusev_py/rusev.py) cannot be imported (it
imports `classification_report` from the package, which does not export
it), passes its arguments to the compiled function in the wrong order, and
returns nothing. So this calls the compiled extension module directly, with
the signature it declares: (y_true, y_pred, zero_division, suffix,
scheme=None, sample_weight=None). It returns precision, recall, F-score and
support per class as 32-bit floats."""
import sys

from rusev_py.rusev_py import classification_report

import conll_columns

path = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "default"
scheme = sys.argv[3].upper() if mode == "strict" else None
y_true, y_pred = conll_columns.read(path)
report = classification_report(y_true, y_pred, "ReplaceBy0", False, scheme)
for name in sorted(report):
    row = report[name]
    print(name, " ".join(f"{k}={row[k]:.4f}" for k in sorted(row)))
