#!/usr/bin/env python3
"""Makes the .spacy files in tests/data/spacy/ with real spaCy, which the unit
tests of src/format/spacy/ read (and compare nerkit's writing with).

    python3 -m venv /tmp/spacy-venv && /tmp/spacy-venv/bin/pip install spacy==3.8.18
    /tmp/spacy-venv/bin/python scripts/spacy-testdata.py           # writes the files
    /tmp/spacy-venv/bin/python scripts/spacy-testdata.py --show    # prints what spaCy reads

- docs.spacy: four docs in spaCy's default DocBin (every attribute), made by
  spaCy's English tokenizer: non-ASCII text, a whitespace token, symbol
  labels (ORG, LOC, GPE, DATE, PERSON) and others (PER, MISC), adjacent
  entities of one type, an entity at the end, a token that is a symbol's
  name, a long token, and an empty doc.
- docs-ner-only.spacy: the same docs with attrs ORTH, ENT_IOB, ENT_TYPE, as
  nerkit writes them.
- missing.spacy: a doc with no entity annotation (nlp.make_doc), and one
  annotated in part (ENT_IOB 0 on the rest).

--show prints, for each doc as DocBin().from_disk(...).get_docs(...) gives
it, the line the Rust tests compare with (tokens, a '·' after each that a
space follows, then |LABEL start..end for each of doc.ents), and the
token offsets (Token.idx) of the second doc.
"""

import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin, Span

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "spacy"


def docs(nlp):
    d1 = nlp.make_doc(
        "Ambassador Ryan C. Crocker met Musharraf’s aides in Islamabad on Monday."
    )
    d1.ents = [
        Span(d1, 1, 4, "PER"),
        Span(d1, 5, 6, "PERSON"),
        Span(d1, 9, 10, "LOC"),
        Span(d1, 11, 12, "DATE"),
    ]
    d2 = nlp.make_doc("Zürich-based UBS said 😀 fine.\n\nThe ORG tag stays")
    d2.ents = [Span(d2, 0, 1, "GPE"), Span(d2, 3, 4, "ORG")]
    d3 = nlp.make_doc("Pakistan Afghanistan counterterrorism-cooperation talks EU")
    d3.ents = [
        Span(d3, 0, 1, "LOC"),
        Span(d3, 1, 2, "LOC"),
        Span(d3, 2, 5, "MISC"),
        Span(d3, len(d3) - 1, len(d3), "ORG"),
    ]
    d4 = nlp.make_doc("")
    return [d1, d2, d3, d4]


def missing(nlp):
    d1 = nlp.make_doc("Ryan met Musharraf.")
    d2 = nlp.make_doc("Ryan Crocker met Musharraf in Islamabad")
    d2.set_ents([Span(d2, 0, 2, "PER")], outside=[d2[2:3]], default="missing")
    return [d1, d2]


def show(doc):
    out = []
    for t in doc:
        out.append(t.text + ("·" if t.whitespace_ else "") + " ")
    for e in doc.ents:
        out.append(f"|{e.label_} {e.start}..{e.end}")
    return "".join(out)


def main():
    nlp = spacy.blank("en")
    if "--show" in sys.argv:
        for name in ["docs.spacy", "missing.spacy"]:
            print(name)
            got = list(DocBin().from_disk(OUT / name).get_docs(nlp.vocab))
            for d in got:
                print(" ", repr(show(d)), [t.ent_iob_ for t in d])
            if name == "docs.spacy":
                print("  idx of doc 2:", [t.idx for t in got[1]])
        return
    OUT.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs(nlp)).to_disk(OUT / "docs.spacy")
    DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], docs=docs(nlp)).to_disk(
        OUT / "docs-ner-only.spacy"
    )
    DocBin(docs=missing(nlp)).to_disk(OUT / "missing.spacy")
    print(f"wrote {OUT}/docs.spacy, docs-ner-only.spacy, missing.spacy (spaCy {spacy.__version__})")


if __name__ == "__main__":
    main()
