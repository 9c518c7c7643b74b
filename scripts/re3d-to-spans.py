#!/usr/bin/env python3
"""Write a re3d subset (documents.json + entities.json) as nerkit span lines.

Usage: python3 scripts/re3d-to-spans.py corpora/re3d-us-state-department > spans.jsonl

re3d keeps documents and entities in two JSON-lines files joined by
documentId, with begin/end in code points and the label in "type". This
writes one line per document, in the order of documents.json:

    {"id": ID, "text": TEXT, "entities": [{"start": S, "end": E, "label": TYPE}, ...]}

with the entities in the order of entities.json. Nothing is dropped or
changed: overlapping spans are kept for `nerkit convert --overlaps` to
resolve and count. Python 3 standard library only.
"""
import json
import sys
from pathlib import Path


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    docs = [json.loads(l) for l in open(folder / "documents.json", encoding="utf-8") if l.strip()]
    spans = {}
    for line in open(folder / "entities.json", encoding="utf-8"):
        if line.strip():
            e = json.loads(line)
            spans.setdefault(e["documentId"], []).append(
                {"start": e["begin"], "end": e["end"], "label": e["type"]}
            )
    out = sys.stdout
    for d in docs:
        rec = {"id": d["_id"], "text": d["text"], "entities": spans.pop(d["_id"], [])}
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if spans:
        sys.exit(f"entities for unknown documents: {sorted(spans)}")


if __name__ == "__main__":
    main()
