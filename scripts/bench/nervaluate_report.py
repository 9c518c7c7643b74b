"""nervaluate peer for scripts/bench-peers.sh: FILE. Scores a
conlleval-layout file with nervaluate (strict, exact, partial and type
matching, overall and per type) and prints the results."""
import sys

from nervaluate import Evaluator

import conll_columns

y_true, y_pred = conll_columns.read(sys.argv[1])
labels = sorted({t[2:] for s in y_true + y_pred for t in s if t != "O"})
evaluator = Evaluator(y_true, y_pred, tags=labels, loader="list")
results = evaluator.evaluate()
overall = results[0] if isinstance(results, tuple) else results.get("overall", results)
print(overall)
