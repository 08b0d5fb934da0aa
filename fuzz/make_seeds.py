#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/TARGET/ from the repository's own
files (tests/fixtures, the example project) and from a small project made
with `motif` (see docs/fuzzing.md). Run from the repository root:

    python3 fuzz/make_seeds.py PATH/TO/motif

Each seed starts with the byte that picks a mode in `motif_devkit::fuzzing`."""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

SEP = b"\n==> "
OUT = "fuzz/seeds"


def put(target, name, data):
    os.makedirs(f"{OUT}/{target}", exist_ok=True)
    with open(f"{OUT}/{target}/{name}", "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def parts(zip_bytes, first):
    """A zip archive as a container of named parts, `first` first."""
    z = zipfile.ZipFile(io.BytesIO(zip_bytes))
    out = z.read(first)
    for info in z.infolist():
        if info.filename != first and not info.is_dir():
            out += SEP + info.filename.encode() + b"\n" + z.read(info)
    return out


def head_lines(data, n):
    return b"".join(data.splitlines(keepends=True)[:n])


def seed_project(motif):
    """A small project: two coders, undo/redo, a merge; its .qdpx and .qdc."""
    tmp = tempfile.mkdtemp()
    root = f"{tmp}/study"

    def run(*args):
        subprocess.run([motif, "--project", root, "-q", *args], check=True,
                       stdout=subprocess.DEVNULL)

    subprocess.run([motif, "-q", "init", root, "--name", "Seed study"], check=True,
                   stdout=subprocess.DEVNULL)
    with open(f"{tmp}/p.txt", "w") as f:
        f.write("[00:00:01] ANA: café ☕ and 北京\n\nBEN: 🚀 ok, café again.\n")
    run("import", f"{tmp}/p.txt")
    run("codes", "add", "food", "--description", "Food and drink", "--key", "f")
    run("codes", "add", "food/coffee")
    run("codes", "add", "places", "--key", "p")
    run("codes", "add", "places/china")
    run("codes", "add", "mood")
    run("--coder", "ana", "code", "p", "--chars", "16-20", "food/coffee")
    run("--coder", "ana", "code", "p", "--chars", "21-22", "food/coffee", "mood")
    run("--coder", "ana", "code", "p", "--chars", "27-29", "places/china", "--memo", "a city")
    run("--coder", "ana", "undo")
    run("--coder", "ana", "redo")
    run("--coder", "ana", "code", "p", "--lines", "3-3", "mood")
    run("--coder", "ana", "undo")
    run("--coder", "ben", "code", "p", "--match", "café", "food")
    run("--coder", "ben", "uncode", "p", "--chars", "0-25")
    run("--coder", "ben", "code", "p", "--chars", "35-37", "mood")
    run("codes", "merge", "mood", "food")
    run("export", "qdpx", "-o", f"{tmp}/study.qdpx")
    run("export", "qdc", "-o", f"{tmp}/study.qdc")
    out = {
        "ana": read(f"{root}/codings/ana.jsonl"),
        "ben": read(f"{root}/codings/ben.jsonl"),
        "qdpx": read(f"{tmp}/study.qdpx"),
        "qdc": read(f"{tmp}/study.qdc"),
        "toml": read(f"{root}/codebooks/codebook.toml"),
    }
    shutil.rmtree(tmp)
    return out


# A hand-written project.qde: ATLAS.ti origin, a source with a BOM, CRLF
# and an emoji (positions counted CRLF-as-one), inline text, cases,
# variables, notes, a coding of a whole source.
ATLAS_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project name="Atlas &amp; co" origin="ATLAS.ti 23.2.3" xmlns="urn:QDA-XML:project:1.0">
<Users><User guid="{11111111-1111-1111-1111-111111111111}" name="Enric Llagostera"/></Users>
<CodeBook><Codes>
<Code guid="22222222-2222-2222-2222-222222222222" name="Commits" isCodable="true" color="#ff0000">
<Description>Work&#10;include: commits</Description>
<Code guid="33333333-3333-3333-3333-333333333333" name="Small/fixes" isCodable="true" color="blue"/>
</Code></Codes></CodeBook>
<Variables><Variable guid="44444444-4444-4444-4444-444444444444" name="wave" typeOfVariable="Text"/></Variables>
<Sources>
<TextSource guid="55555555-5555-5555-5555-555555555555" name="Interview 1.txt" plainTextPath="internal://s1.txt" creatingUser="11111111-1111-1111-1111-111111111111">
<PlainTextSelection guid="66666666-6666-6666-6666-666666666666" name="Ana: I fix" startPosition="0" endPosition="10" creationDateTime="2023-01-02T03:04:05Z">
<Description>first</Description>
<Coding guid="77777777-7777-7777-7777-777777777777"><CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/><NoteRef targetGUID="88888888-8888-8888-8888-888888888888"/></Coding>
</PlainTextSelection>
<PlainTextSelection guid="99999999-9999-9999-9999-999999999999" name="🚀 ships" startPosition="24" endPosition="32">
<Coding><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
</PlainTextSelection>
<PlainTextSelection guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" name="reversed" startPosition="9" endPosition="3"/>
</TextSource>
<TextSource guid="bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" name="Notes">
<PlainTextContent>Inline text, no file.</PlainTextContent>
<Coding guid="cccccccc-cccc-cccc-cccc-cccccccccccc"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
<VariableValue><VariableRef targetGUID="44444444-4444-4444-4444-444444444444"/><TextValue>2</TextValue></VariableValue>
</TextSource>
<PictureSource guid="dddddddd-dddd-dddd-dddd-dddddddddddd" path="internal://x.png"/>
</Sources>
<Notes><Note guid="88888888-8888-8888-8888-888888888888" name="memo"><PlainTextContent>Why &lt;this&gt;</PlainTextContent></Note></Notes>
<Cases><Case guid="eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee" name="Ana">
<VariableValue><VariableRef targetGUID="44444444-4444-4444-4444-444444444444"/><TextValue>1</TextValue></VariableValue>
<SourceRef targetGUID="55555555-5555-5555-5555-555555555555"/></Case></Cases>
<Sets><Set guid="ffffffff-ffff-ffff-ffff-ffffffffffff" name="s"/></Sets>
</Project>
""".encode()
ATLAS_SOURCE = "\ufeffAna: I fix bugs.\r\nBen: 🚀 ships it.\r\nAna: ok\r\n".encode()


def main():
    motif = sys.argv[1]
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    fx = "tests/fixtures"
    # import: first byte t/v/s/d/x.
    for name in ["wpa-florida-excerpt.txt", "latin1-notes.txt", "utf16-interview.txt"]:
        put("import", "text-" + name, b"t" + read(f"{fx}/import/{name}"))
    put("import", "text-p01-head.txt", b"t" + head_lines(read("transcripts/p01.txt"), 30))
    for name in ["binary.txt", "bad-utf16.txt", "pdf-renamed.txt", "whitespace-only.md"]:
        put("import", "bad-" + name, b"t" + read(f"{fx}/bad/{name}"))
    put("import", "vtt-zoom-call.vtt", b"v" + read(f"{fx}/import/zoom-call.vtt"))
    put("import", "vtt-no-header.vtt", b"v" + read(f"{fx}/bad/no-header.vtt"))
    put("import", "srt-teams-export.srt", b"s" + read(f"{fx}/import/teams-export.srt"))
    put("import", "srt-bad-timing.srt", b"s" + read(f"{fx}/bad/bad-timing.srt"))
    for name in ["entity-bomb.docx", "no-document.docx", "not-a-zip.docx"]:
        put("import", "docx-" + name, b"d" + read(f"{fx}/bad/{name}"))
    docx = read(f"{fx}/import/interview-docx.docx")
    put("import", "docx-interview.docx", b"d" + docx)
    put("import", "xml-interview.xml",
        b"x" + zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml"))

    # codebook: the text of the file.
    put("codebook", "mloss.toml", read("codebooks/mloss.toml"))
    for name in sorted(os.listdir(f"{fx}/bad")):
        if name.startswith("codebook-"):
            put("codebook", "bad-" + name, read(f"{fx}/bad/{name}"))

    made = seed_project(motif)
    put("codebook", "seed-study.toml", made["toml"])

    # journal: the journal file.
    put("journal", "example-ana-head.jsonl", head_lines(read("codings/ana.jsonl"), 12))
    put("journal", "seed-ana.jsonl", made["ana"])
    put("journal", "seed-ben.jsonl", made["ben"])
    lines = made["ana"].splitlines(keepends=True)
    first_id = b'"id":"' + lines[0].split(b'"id":"')[1].split(b'"')[0] + b'"'
    extra = (
        b'{"op":"memo","batch":"m1","time":"t",' + first_id + b',"memo":"note"}\n'
        b'{"op":"recode","batch":"r1","time":"t",' + first_id + b',"code":"zz"}\n'
        b'{"op":"memo","batch":"m2","time":"t",' + first_id + b',"memo":null}\n'
        b'not json\n\n'
        b'{"op":"undo","batch":"nope","time":"t"}\n'
        b'{"op":"add","batch":"torn","time":"t","id":"x'
    )
    put("journal", "seed-ana-edits-and-torn.jsonl", made["ana"] + extra)

    # refi: c = .qdc, p = .qdpx, x = container of parts.
    put("refi", "qdc-seed-study.qdc", b"c" + made["qdc"])
    put("refi", "qdpx-seed-study.qdpx", b"p" + made["qdpx"])
    put("refi", "parts-seed-study", b"x" + parts(made["qdpx"], "project.qde"))
    for name in ["blank-atlas-project", "target-atlas-project", "nvivo-mac-15"]:
        data = read(f"{fx}/refi-qda/{name}.qdpx")
        if len(data) < 4096:
            put("refi", f"qdpx-{name}.qdpx", b"p" + data)
        put("refi", f"parts-{name}", b"x" + parts(data, "project.qde"))
    atlas = ATLAS_QDE + SEP + b"sources/s1.txt\n" + ATLAS_SOURCE
    put("refi", "parts-atlas-crlf-bom", b"x" + atlas)


if __name__ == "__main__":
    main()
