"""The converter users write by hand: bracket lines to CoNLL IOB2 with a
regular expression, as a peer for `nerkit convert` in
scripts/bench-peers.sh. Whitespace tokens, one sentence per line, HTML tags
removed. No error checking: a malformed line is silently mis-converted."""
import re
import sys

TAG = re.compile(r"<[^>]*>")
PIECE = re.compile(r"\[([A-Z][A-Z0-9_-]*)\s+([^\[\]]*?)\s*\]|([^\s\[\]]+|[\[\]])")

out = sys.stdout
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        line = TAG.sub(" ", line)
        rows = []
        for m in PIECE.finditer(line):
            label, entity, word = m.groups()
            if word is not None:
                rows.append(f"{word}\tO\n")
            else:
                for i, token in enumerate(entity.split()):
                    rows.append(f"{token}\t{'B' if i == 0 else 'I'}-{label}\n")
        if rows:
            out.write("".join(rows))
            out.write("\n")
