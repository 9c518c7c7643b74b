#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the repository's
corpora and test data: small slices (whole lines, a few KiB) behind the
eight option bytes every target reads first (see fuzz/src/lib.rs).

Run from anywhere: python3 fuzz/seeds.py. It replaces the seed folders.
"""

import os
import random
import shutil

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
HEADER = 8


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def lines(data, limit, start=0):
    """Whole lines of `data` from line `start`, at most `limit` bytes."""
    out = b""
    for line in data.splitlines(keepends=True)[start:]:
        if len(out) + len(line) > limit:
            break
        out += line
    return out


def sentences(data, n, start=0, limit=6000):
    """The first `n` sentences (runs of lines between blank ones) from
    sentence `start`, at most `limit` bytes."""
    out, seen = b"", 0
    for line in data.splitlines(keepends=True):
        if seen >= start + n or len(out) + len(line) > limit:
            break
        if seen >= start:
            out += line
        if not line.strip():
            seen += 1
    return out


def headers(rng, n):
    """Option bytes: the defaults, lenient reading, and `n` random ones."""
    yield bytes(HEADER)
    yield b"\x01" + bytes(HEADER - 1)
    for _ in range(n):
        yield bytes(rng.getrandbits(8) for _ in range(HEADER))


def write(target, name, text, rng, variants=2):
    folder = os.path.join(FUZZ, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for i, h in enumerate(headers(rng, variants)):
        with open(os.path.join(folder, f"{name}-{i}"), "wb") as f:
            f.write(h + text)


def main():
    rng = random.Random(19)
    for target in os.listdir(os.path.join(FUZZ, "corpus")) if os.path.isdir(
        os.path.join(FUZZ, "corpus")
    ) else []:
        path = os.path.join(FUZZ, "corpus", target)
        if os.path.isdir(path):
            shutil.rmtree(path)

    cable = read("corpora/000_8c95ef11f0516e36.txt")
    schemes = read("tests/data/convert/schemes.txt")
    edge = [
        b"[",
        b"x [",
        b"x [\n[",
        b"<p>See note [<sup>\n",
        b"[A_LABEL_OF_MORE_THAN_TWENTY_NINE_BYTES x ] [",
        b"a [PER b ]\rc d\r",
        b"a [PER b ]\r\nc\rd\r\n",
        b"Ambassador [PER Ryan C. Crocker  ] met [LOC Pakistan  ] officials .\n",
        b"\xef\xbb\xbf[ORG EU ] rejects &#91;German&#93; call &amp; [MISC \xc2\xa0x ]\n",
        b"x [PER [LOC a ] ]\n[PER  ]\n[per a ] \xff\n",
        b"See <a id='par1' href='#par1'>\xc2\xb6</a>1 [PER Z ]. Next ? [LOC Y ] !\n",
    ]
    bracket = [
        ("cable-head", lines(cable, 4096)),
        ("cable-tail", lines(cable, 4096, 60)),
        ("schemes", schemes),
    ] + [(f"edge{i}", e) for i, e in enumerate(edge)]
    big_cable = lines(cable, 12000)

    wikigold = read("corpora/wikigold/wikigold.conll.txt")
    wnut = read("corpora/wnut17/wnut17train.conll")
    conll = [
        ("wikigold", sentences(wikigold, 12)),
        ("wikigold-later", sentences(wikigold, 8, 400)),
        ("wnut17", sentences(wnut, 8)),
        ("cable-iob2", lines(read("tests/data/convert/cable.iob2.expected"), 3000)),
        ("docstart", b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n"
         b"# comment\nGerman JJ B-NP I-MISC\n\r\n-X- O\nx\tS-PER\ny\tL-LOC\nz U-LOC\n"),
    ] + [
        (f"schemes-{s}", read(f"tests/data/convert/schemes.{s}.expected"))
        for s in ["io", "iob1", "iob2", "ioe1", "ioe2", "iobes", "bilou"]
    ]

    jsonl = [
        ("cable", lines(read("tests/data/convert/cable.jsonl.expected"), 4096)),
        ("small", b'{"tokens":["EU","rejects"],"tags":["B-ORG","O"]}\n'
         b'{"tokens": ["a\\u00a0b", "c"], "tags": ["S-PER", "O"], "offsets": [[0, 3], [4, 5]]}\n'
         b'{"tokens":[],"tags":[]}\n\r\n{"tokens":["x"],"tags":["I-LOC"]}'),
    ]

    spans_src = read("corpora/re3d-us-state-department/spans.jsonl")
    spans = [
        ("re3d", lines(spans_src, 4096)),
        ("re3d-more", lines(spans_src, 8192, 3)),
        ("small", b'{"text": "EU rejects German call", "entities": '
         b'[{"start": 0, "end": 2, "label": "ORG"}, {"start": 11, "end": 17, "label": "MISC"}]}\n'
         b'{"text": "caf\\u00e9 \xe2\x80\x99x", "entities": [{"start": 1, "end": 6, "label": "L"}, '
         b'{"start": 0, "end": 4, "label": "M"}]}\n'),
    ]

    for name, text in bracket:
        write("read_bracket", name, text, rng)
        write("convert_fused_vs_general", name, text, rng, variants=4)
    write("convert_fused_vs_general", "cable-12k", big_cable, rng, variants=1)
    for name, text in conll:
        write("read_conll", name, text, rng)
    for name, text in jsonl:
        write("read_jsonl", name, text, rng)
    for name, text in spans:
        write("read_spans", name, text, rng)

    for name, text in bracket[:4] + conll[:4]:
        write("convert_threads", name, text[:2048], rng, variants=3)
    write("convert_threads", "two-inputs", lines(cable, 800) + b"\0" + sentences(wnut, 3), rng)

    # conlleval's layout: token, gold, prediction.
    gold = read("corpora/wnut17/emerging.test.annotated").replace(b"\t", b" ")
    pred = read("corpora/wnut17/submissions/arcada")
    gl, pl = gold.splitlines(), pred.splitlines()
    three = b""
    for g, p in zip(gl[:300], pl[:300]):
        gp, pp = g.split(), p.split()
        three += b" ".join(gp + pp[-1:]) + b"\n" if gp and pp else b"\n"
    write("eval_file", "wnut17-arcada", three, rng)
    cases = os.path.join(ROOT, "tests/data/parity/cases")
    for name in sorted(os.listdir(cases)):
        if name.endswith(".conll"):
            write("eval_file", name[:-6], read(os.path.join(cases, name)), rng, variants=1)

    write("eval_pair", "wnut17-arcada", b"\n".join(gl[:200]) + b"\n\0" + b"\n".join(pl[:200]) + b"\n", rng)
    write("eval_pair", "schemes", read("tests/data/convert/schemes.iob2.expected") + b"\0"
          + read("tests/data/convert/schemes.iob1.expected"), rng)
    write("eval_pair", "bracket-pred", read("tests/data/convert/schemes.iob2.expected") + b"\0"
          + schemes, rng, variants=6)

    # Written last, so that the seeds above keep their random headers.
    exports = os.path.join(ROOT, "tests/data/exports")
    columns = os.path.join(ROOT, "tests/data/columns")
    by_tool = {
        "read_labelstudio": ["labelstudio.json", "labelstudio.jsonl", "labelstudio-min.json",
                             "labelstudio-utf16.json"],
        "read_doccano": ["doccano.jsonl", "doccano-entities.jsonl"],
        "read_prodigy": ["prodigy.jsonl"],
    }
    for target, files in by_tool.items():
        for name in files:
            write(target, name, read(os.path.join(exports, name))[:8000], rng)
    spacy = os.path.join(ROOT, "tests/data/spacy")
    for name in sorted(os.listdir(spacy)):
        write("read_spacy", name, read(os.path.join(spacy, name))[:8000], rng)
    # Detection reads no option bytes: whole inputs of every layout.
    for folder in (exports, columns):
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".md"):
                path = os.path.join(FUZZ, "corpus", "detect")
                os.makedirs(path, exist_ok=True)
                with open(os.path.join(path, name), "wb") as f:
                    f.write(read(os.path.join(folder, name))[:8000])
    for name, text in bracket[:3] + conll[:2] + jsonl + spans[:1]:
        with open(os.path.join(FUZZ, "corpus", "detect", name), "wb") as f:
            f.write(text[:8000])


if __name__ == "__main__":
    main()
