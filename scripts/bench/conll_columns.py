"""Reads a conlleval-layout file (`TOKEN ... GOLD PRED`, whitespace-separated
columns, a blank line between sentences) into two lists of tag lists, the
input every Python scorer takes. Shared by the peer drivers of
scripts/bench-peers.sh; the reading is part of what they time, as it is for
nerkit and conlleval.pl."""


def read(path):
    y_true, y_pred = [], []
    gold, pred = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                if gold:
                    y_true.append(gold)
                    y_pred.append(pred)
                    gold, pred = [], []
                continue
            gold.append(fields[-2])
            pred.append(fields[-1])
    if gold:
        y_true.append(gold)
        y_pred.append(pred)
    return y_true, y_pred
