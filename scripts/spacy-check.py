#!/usr/bin/env python3
"""Checks nerkit's .spacy files against real spaCy; run by tests/spacy.rs with
the Python that NERKIT_SPACY_PYTHON names (.ci/run makes one in .venv-spacy).

    spacy-check.py load FILE.spacy EXPECTED.jsonl WORKDIR
        FILE.spacy is nerkit's DocBin of some input and EXPECTED.jsonl
        nerkit's JSON lines (tokens, IOB2 tags) of the same input. Loads the
        DocBin with DocBin().from_disk and checks every doc against its line:
        the tokens, a space after every token but the last, and doc.ents as
        IOB2 tags. Then reads it with spacy.training.Corpus (the corpus
        reader of `spacy train`) and runs `spacy train` on it for 2 steps in
        WORKDIR. Prints one JSON line of counts.

    spacy-check.py rewrite IN.spacy OUT.spacy
        Reads IN with spaCy and writes its docs again with spaCy's default
        DocBin (every attribute): a DocBin made by spaCy for nerkit to read.

    spacy-check.py write OUT.spacy EXPECTED.jsonl
        spaCy tokenizes and annotates a few texts (non-ASCII, symbol labels
        and others, tokens with no space after them) and writes them as a
        DocBin, and the JSON lines nerkit must give for it with
        `convert --to jsonl --offsets chars` (tokens, IOB2 tags, the text and
        code-point offsets into it).

Exit status 1 with a message on stderr when a check fails.
"""

import collections
import json
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin, Span
from spacy.training import Corpus


def fail(message):
    sys.exit(f"spacy-check: {message}")


def iob2(doc):
    tags = ["O"] * len(doc)
    for e in doc.ents:
        tags[e.start] = "B-" + e.label_
        for i in range(e.start + 1, e.end):
            tags[i] = "I-" + e.label_
    return tags


def load(path, expected, workdir):
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    lines = [json.loads(l) for l in Path(expected).read_text(encoding="utf-8").splitlines()]
    if len(docs) != len(lines):
        fail(f"{path}: {len(docs)} docs, but {expected} has {len(lines)} sentences")
    labels = collections.Counter()
    for n, (doc, line) in enumerate(zip(docs, lines), 1):
        words = [t.text for t in doc]
        if words != line["tokens"]:
            fail(f"doc {n}: tokens {words} differ from {line['tokens']}")
        spaces = [bool(t.whitespace_) for t in doc]
        if spaces != [i + 1 < len(doc) for i in range(len(doc))]:
            fail(f"doc {n}: spaces {spaces}: not one after every token but the last")
        if doc.text != " ".join(words):
            fail(f"doc {n}: text {doc.text!r} is not the tokens joined by spaces")
        if doc.has_unknown_spaces:
            fail(f"doc {n}: has_unknown_spaces")
        if iob2(doc) != line["tags"]:
            fail(f"doc {n}: doc.ents as tags {iob2(doc)} differ from {line['tags']}")
        if any(t.ent_iob == 0 for t in doc):
            fail(f"doc {n}: a token without entity annotation (ENT_IOB 0)")
        labels.update(e.label_ for e in doc.ents)

    # The corpus reader of `spacy train` ([corpora.train] @readers = "spacy.Corpus.v1").
    examples = list(Corpus(path)(nlp))
    if len(examples) != len(docs):
        fail(f"spacy.training.Corpus gave {len(examples)} examples for {len(docs)} docs")
    corpus_ents = sum(len(ex.reference.ents) for ex in examples)
    missing = sum(tag is None for ex in examples for tag in ex.get_aligned_ner())

    # `spacy train` itself, for 2 steps, with the file as training and dev data.
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.cfg"
    python = sys.executable
    run = lambda *args: subprocess.run(
        [python, "-m", "spacy", *args], capture_output=True, text=True
    )
    made = run("init", "config", "-l", "en", "-p", "ner", "-F", str(config))
    if made.returncode != 0:
        fail(f"spacy init config failed:\n{made.stdout}\n{made.stderr}")
    trained = run(
        "train", str(config),
        "--paths.train", str(path), "--paths.dev", str(path),
        "--training.max_steps", "2", "--training.eval_frequency", "1",
        "--output", str(work / "model"),
    )
    if trained.returncode != 0:
        fail(f"spacy train failed:\n{trained.stdout}\n{trained.stderr}")
    model = spacy.load(work / "model" / "model-last")
    print(json.dumps({
        "spacy": spacy.__version__,
        "docs": len(docs),
        "tokens": sum(len(d) for d in docs),
        "ents": sum(labels.values()),
        "labels": dict(sorted(labels.items())),
        "corpus_examples": len(examples),
        "corpus_ents": corpus_ents,
        "corpus_missing_ner": missing,
        "trained_labels": sorted(model.get_pipe("ner").labels),
    }))


def rewrite(src, dst):
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(src).get_docs(nlp.vocab))
    DocBin(docs=docs).to_disk(dst)
    print(json.dumps({"docs": len(docs), "ents": sum(len(d.ents) for d in docs)}))


TEXTS = [
    ("Ambassador Ryan C. Crocker met Musharraf’s aides in Islamabad on Monday.",
     [(1, 4, "PER"), (5, 6, "PERSON"), (9, 10, "LOC"), (11, 12, "DATE")]),
    ("Zürich-based UBS said 😀 fine.", [(0, 1, "GPE"), (3, 4, "ORG")]),
    ("Pakistan Afghanistan counterterrorism-cooperation talks EU",
     [(0, 1, "LOC"), (1, 2, "LOC"), (2, 5, "MISC"), (6, 7, "ORG")]),
    ("No entities here, only (brackets) and \"quotes\".", []),
]


def write(dst, expected):
    nlp = spacy.blank("en")
    docs = []
    with open(expected, "w", encoding="utf-8") as out:
        for text, ents in TEXTS:
            doc = nlp.make_doc(text)
            doc.ents = [Span(doc, a, b, label) for a, b, label in ents]
            docs.append(doc)
            line = {
                "tokens": [t.text for t in doc],
                "tags": iob2(doc),
                "text": doc.text,
                "offsets": [[t.idx, t.idx + len(t.text)] for t in doc],
            }
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    DocBin(docs=docs).to_disk(dst)
    print(json.dumps({"docs": len(docs), "ents": sum(len(d.ents) for d in docs)}))


def main():
    commands = {"load": (load, 3), "rewrite": (rewrite, 2), "write": (write, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        fail(f"usage: {sys.argv[0]} load|rewrite|write ARGS (see the script's docs)")
    command, arity = commands[sys.argv[1]]
    if len(sys.argv) != 2 + arity:
        fail(f"{sys.argv[1]} takes {arity} arguments")
    command(*sys.argv[2:])


if __name__ == "__main__":
    main()
