#!/usr/bin/env python3
"""motif side by side with qc (qualitative-coding on PyPI), end to end.

    python3 benches/qc/compare.py --motif PATH/TO/motif --venv /tmp/qc-venv \
        [--size small|mid|bar|T:W:C]... [--runs N] [--timeout S] [--work DIR] [--gen PATH]

Generates a corpus with motif's deterministic generator, converts its
codings into a batch for `motif code --from` and into qc codes files, then
times, for both tools: (a) importing the transcripts into a fresh project,
(b) applying the codings, (c) tallying them; and checks that the tallies
agree. See benches/qc/README.md. Standard library only; it creates the
virtual environment (and installs qc into it) when it is missing. Not run by
`cargo test` or CI: it takes minutes to an hour.
"""

import argparse
import bisect
import csv
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
QC_VERSION = "1.7.8"

SIZES = {
    # name: (transcripts, words per transcript, codings)
    "small": (10, 2_000, 500),
    "mid": (100, 10_000, 10_000),
    "bar": (1_000, 10_000, 100_000),
}

QC_CODE_RE = re.compile(r"^[a-zA-Z0-9_\-]+$")  # qc's QCCorpusViewer.code_pattern
# Characters str.splitlines() breaks on besides \n (qc counts a document's
# lines with splitlines() but numbers its paragraphs by iterating the file).
EXOTIC_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Runs a setup command (untimed); fails loudly."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"failed: {cmd}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def loadavg():
    return float(Path("/proc/loadavg").read_text().split()[0])


# ---------------------------------------------------------------------------
# Timing


def timed(shell_cmd, timeout):
    """Runs a shell command under GNU time. Returns a dict with wall, user,
    sys (seconds), rss (peak resident set size of the largest process, MB)
    and load (1-minute load average when it started), or None on timeout."""
    out = Path("/tmp") / f"qcbench-time-{os.getpid()}"
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(out), "bash", "-c", shell_cmd]
    load = loadavg()
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit(f"failed (exit {p.returncode}): {shell_cmd}\n{err[-3000:]}")
    fields = out.read_text().strip().splitlines()[-1].split()
    out.unlink()
    return {"wall": wall, "user": float(fields[1]), "sys": float(fields[2]),
            "rss": int(fields[3]) / 1024, "load": load}


def measure(name, shell_cmd, prepare, runs, timeout, progress=None):
    """Times `runs` runs of shell_cmd, each after prepare(). Stops after a
    run that times out (progress(), if given, says how far it got)."""
    results = []
    for i in range(runs):
        prepare()
        r = timed(shell_cmd, timeout)
        if r is None:
            done = progress() if progress else None
            log(f"  {name}: run {i + 1} did not finish within {timeout} s"
                + (f" ({done})" if done else ""))
            return {"name": name, "cmd": shell_cmd, "runs": results, "timeout": timeout,
                    "timed_out": True, "progress": done}
        log(f"  {name}: run {i + 1}: {r['wall']:.3f} s wall, "
            f"{r['user'] + r['sys']:.3f} s CPU, {r['rss']:.0f} MB, load {r['load']:.2f}")
        results.append(r)
    return {"name": name, "cmd": shell_cmd, "runs": results, "timed_out": False}


def summary(m):
    rs = m["runs"]
    if not rs:
        return None
    return {
        "wall": statistics.median(r["wall"] for r in rs),
        "cpu": statistics.median(r["user"] + r["sys"] for r in rs),
        "rss": statistics.median(r["rss"] for r in rs),
        "wall_min": min(r["wall"] for r in rs),
        "wall_max": max(r["wall"] for r in rs),
        "load_min": min(r["load"] for r in rs),
        "load_max": max(r["load"] for r in rs),
        "n": len(rs),
    }


# ---------------------------------------------------------------------------
# Set-up


def ensure_venv(venv):
    qc = venv / "bin" / "qc"
    if not qc.exists():
        log(f"creating {venv} and installing qualitative-coding=={QC_VERSION}")
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet",
             f"qualitative-coding=={QC_VERSION}"])
    return qc


def generate(args, spec, dest):
    """The corpus, generated once per size and reused (the generator is
    deterministic)."""
    t, w, c = spec
    stamp = dest / ".qcbench-spec"
    want = f"{t} {w} {c} {args.coders} {args.seed}"
    if stamp.exists() and stamp.read_text() == want:
        return
    if dest.exists():
        shutil.rmtree(dest)
    gen = ([args.gen] if args.gen else
           ["cargo", "run", "--quiet", "--release", "--example", "gen_corpus", "--"])
    log(f"generating {dest} ({t} transcripts x {w} words, {c} codings)")
    run(gen + [str(dest), "--transcripts", str(t), "--words", str(w), "--codings", str(c),
               "--coders", args.coders, "--seed", str(args.seed)], cwd=REPO)
    stamp.write_text(want)


def qc_names(codes):
    """motif code path -> qc code name. qc names must match
    ^[a-zA-Z0-9_-]+$ and be unique in the codebook, whose hierarchy is the
    nesting of codebook.yaml. The last part of the path is used (the whole
    path, `/` written `-`, when the last part is not unique), with spaces
    written `_` and accents dropped (`café conversations` ->
    `cafe_conversations`)."""
    def ascii_name(s):
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
        return s.replace(" ", "_")

    leaves = Counter(c["code"].split("/")[-1] for c in codes)
    names = {}
    for c in codes:
        leaf = c["code"].split("/")[-1]
        name = ascii_name(leaf if leaves[leaf] == 1 else c["code"].replace("/", "-"))
        if not QC_CODE_RE.match(name):
            raise SystemExit(f"code {c['code']!r} has no valid qc name ({name!r})")
        names[c["code"]] = name
    if len(set(names.values())) != len(names):
        raise SystemExit("qc code names are not unique")
    return names


def qc_codebook(codes, names):
    """codebook.yaml for qc: nested lists, a code with subcodes written as
    {name: [children]}. JSON is valid YAML, which is how it is written."""
    children = defaultdict(list)
    for c in codes:
        parent = c["code"].rsplit("/", 1)[0] if "/" in c["code"] else None
        children[parent].append(c["code"])

    def node(path):
        if children[path]:
            return {names[path]: [node(p) for p in children[path]]}
        return names[path]

    return json.dumps([node(p) for p in children[None]], indent=1) + "\n"


def prepare_inputs(args, motif, src, inp):
    """From the generated project: the motif batches (one file, and one file
    per transcript), the qc codes files (per coder, per document), the qc
    codebook, and the expected tallies."""
    if inp.exists():
        shutil.rmtree(inp)
    (inp / "motif-per-transcript").mkdir(parents=True)
    codes = json.loads(run([motif, "--project", str(src), "codes", "--json"]))
    segs = json.loads(run([motif, "--project", str(src), "segments", "--json"]))
    names = qc_names(codes)
    (inp / "codebook.yaml").write_text(qc_codebook(codes, names))
    (inp / "qc-names.json").write_text(json.dumps(names, indent=1))

    fields = ["transcript", "start", "end", "code", "coder"]
    by_t = defaultdict(list)
    with open(inp / "motif-codings.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(fields)
        for s in segs:
            row = [s[f] for f in fields]
            w.writerow(row)
            by_t[s["transcript"]].append(row)
    for t, rows in by_t.items():
        with open(inp / "motif-per-transcript" / f"{t}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(fields)
            w.writerows(rows)

    # qc: each coding becomes its code on every line it touches. Lines are
    # motif's line_start..line_end (1-based, inclusive), checked here
    # against the code-point offsets; qc's lines are 0-based.
    texts = {}
    lines_of = defaultdict(lambda: defaultdict(list))  # (coder, t) -> line -> [names]
    mismatches = 0
    for s in segs:
        t = s["transcript"]
        if t not in texts:
            text = (src / "transcripts" / f"{t}.txt").read_text(encoding="utf-8")
            if EXOTIC_BREAKS.search(text):
                raise SystemExit(f"{t}: a line break other than \\n; qc would count lines differently")
            starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
            texts[t] = (text, starts)
        text, starts = texts[t]
        first = bisect.bisect_right(starts, s["start"]) - 1
        last = bisect.bisect_right(starts, s["end"] - 1) - 1
        if (first + 1, last + 1) != (s["line_start"], s["line_end"]):
            mismatches += 1
        per_line = lines_of[(s["coder"], t)]
        for line in range(s["line_start"] - 1, s["line_end"]):
            n = names[s["code"]]
            if n not in per_line[line]:
                per_line[line].append(n)
    for (coder, t), per_line in lines_of.items():
        d = inp / "qc-codes" / coder
        d.mkdir(parents=True, exist_ok=True)
        n_lines = len(texts[t][0].splitlines())
        body = "\n".join(", ".join(per_line.get(i, [])) for i in range(n_lines)) + "\n"
        (d / f"{t}.txt").write_text(body)

    expected = {
        "codings": len(segs),
        "segments": Counter(s["code"] for s in segs),
        "transcripts": {c: len({s["transcript"] for s in segs if s["code"] == c})
                        for c in names},
        "qc_lines": Counter(),
        "line_mismatches": mismatches,
        "lines_per_coding": Counter(s["line_end"] - s["line_start"] + 1 for s in segs),
    }
    inv = {v: k for k, v in names.items()}
    for per_line in lines_of.values():
        for codes_here in per_line.values():
            for n in codes_here:
                expected["qc_lines"][inv[n]] += 1
    return codes, names, expected, sorted(by_t)


# ---------------------------------------------------------------------------
# The comparison


def compare_size(args, size_name, spec, motif, venv, qc):
    work = args.work / size_name
    src = work / "generated"
    inp = work / "inputs"
    out = work / "out"
    runs_dir = work / "runs"
    generate(args, spec, src)
    codes, names, expected, transcripts = prepare_inputs(args, motif, src, inp)
    out.mkdir(parents=True, exist_ok=True)
    corpus = src / "transcripts"
    n_docs = len(list(corpus.glob("*.txt")))
    log(f"{size_name}: {n_docs} transcripts, {expected['codings']} codings, "
        f"{sum(expected['qc_lines'].values())} qc coded lines")

    m_proj = runs_dir / "motif"
    q_proj = runs_dir / "qc"
    m_tpl = work / "template-motif"
    q_tpl = work / "template-qc"
    M = shlex.quote(motif)
    Q = shlex.quote(str(qc))
    PY = shlex.quote(str(venv / "bin" / "python"))

    def fresh_motif():
        shutil.rmtree(m_proj, ignore_errors=True)
        run([motif, "-q", "init", str(m_proj), "--name", "qcbench"])
        shutil.copy(src / "codebooks" / "codebook.toml", m_proj / "codebooks" / "codebook.toml")

    def fresh_qc():
        shutil.rmtree(q_proj, ignore_errors=True)
        q_proj.mkdir(parents=True)
        # The editor qc opens for coding is a command in settings.yaml; the
        # scripted one copies the prepared codes file of the document
        # ($QCBENCH_CODES/<document>) into the codes file qc asks for.
        settings = {
            "qc_version": QC_VERSION if not args.qc_version else args.qc_version,
            "corpus_dir": "corpus", "database": "qualitative_coding.sqlite3",
            "memos_dir": "memos", "codebook": "codebook.yaml",
            "log_file": "qualitative_coding.log", "verbose": False,
            "editor": "scripted",
            "editors": {"scripted": {
                "name": "scripted",
                "code_command": 'cp "$QCBENCH_CODES/$(basename "{corpus_file_path}")" "{codes_file_path}"',
                "memo_command": 'true "{memo_file_path}"',
            }},
        }
        (q_proj / "settings.yaml").write_text(json.dumps(settings, indent=1) + "\n")
        shutil.copy(inp / "codebook.yaml", q_proj / "codebook.yaml")
        run([str(qc), "init"], cwd=q_proj)

    def from_template(tpl, proj):
        def prep():
            shutil.rmtree(proj, ignore_errors=True)
            shutil.copytree(tpl, proj, symlinks=True)
        return prep

    def keep(proj, tpl):
        shutil.rmtree(tpl, ignore_errors=True)
        shutil.copytree(proj, tpl, symlinks=True)

    R, T = args.runs, args.timeout
    res = {}

    # (a) import
    log(f"{size_name}: (a) import")
    res["motif_import"] = measure(
        "motif import", f"{M} -q --project {shlex.quote(str(m_proj))} import {shlex.quote(str(corpus))}",
        fresh_motif, R, T)
    keep(m_proj, m_tpl)
    res["qc_import"] = measure(
        "qc corpus import",
        f"cd {shlex.quote(str(q_proj))} && {Q} corpus import {shlex.quote(str(corpus))} "
        f"--recursive --importer verbatim",
        fresh_qc, R, T)
    if res["qc_import"]["timed_out"]:
        return finish(size_name, spec, res, expected, None, n_docs)
    keep(q_proj, q_tpl)

    # (b) coding
    log(f"{size_name}: (b) coding")
    per_t = inp / "motif-per-transcript"
    res["motif_code_batch"] = measure(
        "motif code --from (one batch)",
        f"{M} -q --project {shlex.quote(str(m_proj))} --coder {args.coders.split(',')[0]} "
        f"code --from {shlex.quote(str(inp / 'motif-codings.csv'))}",
        from_template(m_tpl, m_proj), R, T)
    run([motif, "-q", "--project", str(m_proj), "export", "frequencies",
         "-o", str(out / "motif-frequencies-batch.json")])
    m_coded = work / "template-motif-coded"
    keep(m_proj, m_coded)
    LR, LT = args.loop_runs or R, args.loop_timeout or T
    res["motif_code_per_transcript"] = measure(
        "motif code --from (one process per transcript)",
        f"for f in {shlex.quote(str(per_t))}/*.csv; do {M} -q --project {shlex.quote(str(m_proj))} "
        f"--coder {args.coders.split(',')[0]} code --from \"$f\" || exit 1; done",
        from_template(m_tpl, m_proj), LR, LT,
        progress=lambda: f"{count_motif_transcripts(m_proj)} of {len(transcripts)} transcripts coded")
    per_t_freq = out / "motif-frequencies-per-transcript.json"
    per_t_freq.unlink(missing_ok=True)
    if not res["motif_code_per_transcript"]["timed_out"]:
        run([motif, "-q", "--project", str(m_proj), "export", "frequencies", "-o", str(per_t_freq)])
    from_template(m_coded, m_proj)()  # the tally reads the project coded in one batch
    n_coded = sum(1 for _ in (inp / "qc-codes").glob("*/*.txt"))
    loop = []
    for coder_dir in sorted((inp / "qc-codes").iterdir()):
        c = coder_dir.name
        loop.append(
            f"export QCBENCH_CODES={shlex.quote(str(coder_dir))}; "
            f"for f in \"$QCBENCH_CODES\"/*.txt; do {Q} code {c} -p \"$(basename \"$f\")\" || exit 1; done")
    res["qc_code_cli"] = measure(
        "qc code (one process per document, scripted editor)",
        f"cd {shlex.quote(str(q_proj))} && " + " && ".join(loop),
        from_template(q_tpl, q_proj), LR, LT,
        progress=lambda: f"{count_qc_documents(q_proj)} of {n_coded} documents coded")
    qc_cli_lines = None
    q_coded = work / "template-qc-coded"
    shutil.rmtree(q_coded, ignore_errors=True)
    if not res["qc_code_cli"]["timed_out"]:
        qc_cli_lines = count_qc_lines(q_proj)
        keep(q_proj, q_coded)
    res["qc_code_api"] = measure(
        "qc Python API (update_coded_lines per document, one process)",
        f"cd {shlex.quote(str(q_proj))} && {PY} {shlex.quote(str(HERE / 'qc_api_code.py'))} "
        f"{shlex.quote(str(inp / 'qc-codes'))}",
        from_template(q_tpl, q_proj), R, T,
        progress=lambda: f"{count_qc_documents(q_proj)} of {n_coded} documents coded")
    qc_api_lines = None
    if res["qc_code_api"]["timed_out"] and not q_coded.exists() and args.finish_timeout:
        # Nothing coded within the limit: run the API once more without it
        # (up to --finish-timeout), so that the tally can be measured; the
        # time is reported apart.
        res["qc_code_api_unlimited"] = measure(
            "qc Python API, without the time limit",
            res["qc_code_api"]["cmd"], from_template(q_tpl, q_proj), 1, args.finish_timeout,
            progress=lambda: f"{count_qc_documents(q_proj)} of {n_coded} documents coded")
        if not res["qc_code_api_unlimited"]["timed_out"]:
            qc_api_lines = count_qc_lines(q_proj)
    elif not res["qc_code_api"]["timed_out"]:
        qc_api_lines = count_qc_lines(q_proj)
    elif q_coded.exists():
        from_template(q_coded, q_proj)()  # tally the project the CLI loop coded
    qc_coded = qc_api_lines is not None or qc_cli_lines is not None

    # (c) tally: motif on the project coded in one batch, qc on the project
    # its API coded (or its CLI loop, if the API did not finish)
    log(f"{size_name}: (c) tally")
    noop = lambda: None
    res["motif_tally"] = measure(
        "motif export frequencies",
        f"{M} -q --project {shlex.quote(str(m_proj))} export frequencies -o {shlex.quote(str(out / 'motif-frequencies.json'))}",
        noop, R, T)
    if qc_coded:
        res["qc_tally_line"] = measure(
            "qc codes stats (unit line)",
            f"cd {shlex.quote(str(q_proj))} && {Q} codes stats -z -o {shlex.quote(str(out / 'qc-stats-line.csv'))}",
            noop, R, T)
        res["qc_tally_document"] = measure(
            "qc codes stats --unit document",
            f"cd {shlex.quote(str(q_proj))} && {Q} codes stats -z -n document -o {shlex.quote(str(out / 'qc-stats-document.csv'))}",
            noop, R, T)
    checks = check_tallies(out, names, expected, qc_coded, qc_cli_lines, qc_api_lines)
    return finish(size_name, spec, res, expected, checks, n_docs)


def count_qc_lines(q_proj):
    import sqlite3
    con = sqlite3.connect(q_proj / "qualitative_coding.sqlite3")
    n = con.execute("select count(*) from coded_line").fetchone()[0]
    con.close()
    return n


def count_motif_transcripts(m_proj):
    """Transcripts with codings in the journals: how far a loop got."""
    seen = set()
    for j in (m_proj / "codings").glob("*.jsonl"):
        seen.update(re.findall(r'"transcript":\s*"([^"]+)"', j.read_text(encoding="utf-8")))
    return len(seen)


def count_qc_documents(q_proj):
    """(coder, document) pairs with coded lines: how far a `qc code` loop got."""
    import sqlite3
    con = sqlite3.connect(q_proj / "qualitative_coding.sqlite3")
    n = con.execute(
        "select count(*) from (select distinct cl.coder_id, di.document_id from coded_line cl "
        "join coded_line_location_association a on a.coded_line_id = cl.id "
        "join location l on l.id = a.location_id "
        "join document_index di on di.id = l.document_index_id)").fetchone()[0]
    con.close()
    return n


def check_tallies(out, names, expected, qc_coded, qc_cli_lines, qc_api_lines):
    def segs(p):
        doc = json.loads(p.read_text())
        return {c["code"]: c["segments"] for c in doc["codes"]}, \
            {c["code"]: c["transcripts"] for c in doc["codes"]}
    m_seg, m_tr = segs(out / "motif-frequencies.json")
    b_seg, _ = segs(out / "motif-frequencies-batch.json")
    per_t = out / "motif-frequencies-per-transcript.json"
    checks = {
        "motif_segments_match_batch_file": all(m_seg.get(c, 0) == expected["segments"].get(c, 0) for c in names),
        "motif_tally_equals_state_after_batch": b_seg == m_seg,
        "motif_per_transcript_equals_batch": (segs(per_t)[0] == b_seg) if per_t.exists() else None,
        "motif_total_segments": sum(m_seg.values()),
        "batch_rows": expected["codings"],
        "line_mismatches": expected["line_mismatches"],
        "qc_cli_coded_lines": qc_cli_lines,
        "qc_api_coded_lines": qc_api_lines,
        "expected_qc_lines": sum(expected["qc_lines"].values()),
        "per_code": [],
    }
    if qc_coded:
        def read(p):
            with open(p) as fh:
                r = csv.reader(fh)
                next(r)
                return {row[0]: int(row[1]) for row in r}
        q_line = read(out / "qc-stats-line.csv")
        q_doc = read(out / "qc-stats-document.csv")
        checks["qc_lines_match_expected"] = all(
            q_line.get(names[c], 0) == expected["qc_lines"].get(c, 0) for c in names)
        checks["qc_documents_match_motif_transcripts"] = all(
            q_doc.get(names[c], 0) == m_tr.get(c, 0) for c in names)
        checks["qc_total_lines"] = sum(q_line.values())
        for c in names:
            checks["per_code"].append({
                "code": c, "qc": names[c], "motif_segments": m_seg.get(c, 0),
                "motif_transcripts": m_tr.get(c, 0),
                "qc_lines": q_line.get(names[c], 0),
                "expected_qc_lines": expected["qc_lines"].get(c, 0),
                "qc_documents": q_doc.get(names[c], 0)})
    return checks


def finish(size_name, spec, res, expected, checks, n_docs):
    return {"size": size_name, "spec": spec, "documents": n_docs,
            "codings": expected["codings"],
            "qc_coded_lines": sum(expected["qc_lines"].values()),
            "lines_per_coding": dict(sorted(expected["lines_per_coding"].items())),
            "measurements": {k: {**v, "summary": summary(v)} for k, v in res.items()},
            "checks": checks}


# ---------------------------------------------------------------------------
# Report


def fmt_s(x):
    return f"{x:.2f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def report(results, meta):
    lines = [f"motif {meta['motif_version']}, qc {meta['qc_version']}, "
             f"{meta['python']}, {meta['nproc']} cores; started {meta['started']}", ""]
    pairs = [
        ("(a) import", "motif_import", "qc_import"),
        ("(b) coding, one batch / qc API in one process", "motif_code_batch", "qc_code_api"),
        ("(b) coding, one batch / qc API without the time limit", "motif_code_batch", "qc_code_api_unlimited"),
        ("(b) coding, one process per transcript", "motif_code_per_transcript", "qc_code_cli"),
        ("(c) tally (qc unit line)", "motif_tally", "qc_tally_line"),
        ("(c) tally (qc unit document)", "motif_tally", "qc_tally_document"),
    ]
    for r in results:
        t, w, c = r["spec"]
        lines.append(f"### {r['size']}: {t} transcripts x ~{w} words, {r['codings']} codings "
                     f"({r['qc_coded_lines']} qc coded lines)")
        lines.append("")
        lines.append("| step | motif wall | motif CPU | motif RSS | qc wall | qc CPU | qc RSS | "
                     "qc/motif wall | qc/motif CPU | runs | load (1 min) |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        ms = r["measurements"]
        for label, mk, qk in pairs:
            if mk not in ms or qk not in ms:
                continue
            cells, sums = [], []
            for k in (mk, qk):
                m = ms[k]["summary"] if not ms[k]["timed_out"] else None
                sums.append(m)
                if m is None:
                    dnf = f"did not finish in {ms[k]['timeout']} s" + (
                        f" ({ms[k]['progress']})" if ms[k].get("progress") else "")
                    cells.append(f"{dnf} | | ")
                else:
                    cells.append(f"{fmt_s(m['wall'])} | {fmt_s(m['cpu'])} | {m['rss']:.0f} MB")
            m, q = sums
            if m and q:
                ratio = f"{q['wall'] / m['wall']:.1f}× | {q['cpu'] / m['cpu']:.1f}×"
                loads = f"{min(m['load_min'], q['load_min']):.1f}–{max(m['load_max'], q['load_max']):.1f}"
            elif m:
                ratio = f"> {ms[qk]['timeout'] / m['wall']:.0f}× | "
                loads = f"{m['load_min']:.1f}–{m['load_max']:.1f}"
            else:
                ratio, loads = " | ", ""
            n = f"{len(ms[mk]['runs'])}/{len(ms[qk]['runs'])}"
            lines.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} | {n} | {loads} |")
        lines.append("")
        ck = r["checks"]
        if ck:
            lines.append("Checks: " + json.dumps({k: v for k, v in ck.items() if k != "per_code"}))
            lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--motif", required=True, help="the motif binary (a release build)")
    ap.add_argument("--venv", required=True, type=Path, help="qc's virtual environment (created if missing)")
    ap.add_argument("--size", action="append", help="small, mid, bar or T:W:C (repeatable; default mid)")
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    ap.add_argument("--loop-runs", type=int, default=0,
                    help="runs of the one-process-per-transcript loops (default --runs)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds before a run counts as not finishing")
    ap.add_argument("--loop-timeout", type=int, default=0, help="the same for the loops (default --timeout)")
    ap.add_argument("--finish-timeout", type=int, default=7200,
                    help="when qc's API coding times out and nothing is coded, run it once more "
                         "with this limit so the tally can be measured (0: don't)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/motif-qc-work"))
    ap.add_argument("--gen", help="the gen_corpus binary (default: cargo run --release --example gen_corpus)")
    ap.add_argument("--coders", default="ana")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--qc-version", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    motif = str(Path(args.motif).resolve())
    venv = args.venv.resolve()
    args.work = args.work.resolve()
    if REPO in args.work.parents or args.work == REPO:
        raise SystemExit("--work must be outside the repository")
    qc = ensure_venv(venv)
    meta = {
        "motif_version": run([motif, "--version"]).strip(),
        "qc_version": run([str(qc), "version"]).strip(),
        "python": run([str(venv / "bin" / "python"), "--version"]).strip(),
        "nproc": os.cpu_count(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    args.qc_version = meta["qc_version"].split()[-1]
    results = []
    for s in args.size or ["mid"]:
        spec = SIZES.get(s) or tuple(int(x) for x in s.split(":"))
        results.append(compare_size(args, s, spec, motif, venv, qc))
        (args.work / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    text = report(results, meta)
    (args.work / "results.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
