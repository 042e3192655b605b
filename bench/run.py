"""Build benchmark: surveysite against Hugo + Pagefind on the same corpora, in one run.

    python bench/run.py                       # real survey, 1,000, 10,000 and 50,000 papers
    python bench/run.py --sizes real,1000 --runs 3

For each corpus: our full build (cold: no site/, no cache), Hugo followed by Pagefind, our
no-change rebuild, our rebuild after editing one paper's abstract, and after editing one
topic page. Wall time is the median of --runs runs; peak memory is the most the process tree
held at once (see `timed`). Writes bench/RESULTS.md (and bench/RESULTS.json).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"


def timed(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """Run a command; return (wall seconds, peak memory in MB as RSS, and as PSS).

    Peak memory is the most the command's process tree held at once (sampled every 50 ms),
    summed over the process and its children: a build that works in several processes counts
    them all. RSS (resident set size) counts a page shared by forked processes once in each;
    PSS (proportional set size) splits it among them, so their sum is the memory used.
    """
    # Python's bytecode cache as on a reader's or CI's machine (this machine's environment
    # may turn it off, and every build would then compile surveysite again)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=env
        )
        peak = [0, 0]

        def sample() -> None:
            while process.poll() is None:
                peak[:] = map(max, peak, tree_memory(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        process.wait()  # the time is taken here, not at the next sample
        seconds = time.perf_counter() - start
        sampler.join()
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[-3000:]}")
    return seconds, peak[0] // 2**10, peak[1] // 2**10


def tree_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS in KiB of a process and all its descendants ((0, 0) for one that ended)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0, 0
    sizes = {name: value for name, value, *_ in (line.split() for line in lines[1:])}
    rss, pss = int(sizes.get("Rss:", 0)), int(sizes.get("Pss:", 0))
    for child in children:
        child_rss, child_pss = tree_memory(int(child))
        rss, pss = rss + child_rss, pss + child_pss
    return rss, pss


def wait_for_background_deletes(folder: Path, limit: float = 600) -> None:
    """Let the deletion of a replaced site finish before the next measurement starts."""
    deadline = time.monotonic() + limit
    while list(folder.glob(".site-trash-*")) and time.monotonic() < deadline:
        time.sleep(0.1)


def corpus(size: str) -> Path:
    """Generate (once) the corpus folder for a size ('real' or a paper count)."""
    folder = WORK / f"s{size}"
    if size == "real" or not (folder / "hugo").exists():
        subprocess.run([sys.executable, str(BENCH / "generate.py"), size, str(folder)], check=True)
    for name in ("templates", "static"):  # always today's templates and assets
        shutil.rmtree(folder / name, ignore_errors=True)
        shutil.copytree(REPO / name, folder / name)
    return folder


def ours(folder: Path, build: Path = REPO / "build.py") -> tuple[float, int, int]:
    """One surveysite build of the corpus folder, by this checkout's build.py or the one
    given (the replaced site's deletion, which runs in the background, is waited for after
    the build and not counted)."""
    wait_for_background_deletes(folder)
    try:
        return timed([sys.executable, str(build), "--root", str(folder), "-q"], REPO)
    finally:
        wait_for_background_deletes(folder)


def clean_ours(folder: Path) -> None:
    """Remove our output and caches, for a cold full build."""
    for name in ("site", ".surveysite-cache"):
        shutil.rmtree(folder / name, ignore_errors=True)


def hugo_pagefind(folder: Path) -> tuple[float, int, int]:
    """Hugo then Pagefind over its output (cold)."""
    hugo = folder / "hugo"
    shutil.rmtree(hugo / "public", ignore_errors=True)
    shutil.rmtree(hugo / "resources", ignore_errors=True)
    t1, rss1, pss1 = timed(["hugo", "--quiet", "-d", "public"], hugo)
    t2, rss2, pss2 = timed(
        [sys.executable, "-m", "pagefind", "--site", "public", "--output-subdir", "pagefind"], hugo
    )
    return t1 + t2, max(rss1, rss2), max(pss1, pss2)


def tree_size(folder: Path) -> tuple[int, int]:
    """Total bytes of a folder's files, raw and gzip -6."""
    raw = packed = 0
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            raw += len(data)
            packed += len(gzip.compress(data, 6, mtime=0))
    return raw, packed


def edit_paper(folder: Path, run: int) -> None:
    """Change one paper's abstract (a searched field): alternately add and remove a sentence."""
    paths = sorted((folder / "content" / "papers").glob("*.yaml"))
    path = paths[len(paths) // 2]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    suffix = " Edited by the benchmark."
    abstract = record["abstract"]
    record["abstract"] = abstract + suffix if run % 2 == 0 else abstract.removesuffix(suffix)
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit_notes(folder: Path, run: int) -> None:
    """Change one paper's curator notes (not a searched field): add or remove a line."""
    paths = sorted((folder / "content" / "papers").glob("*.yaml"))
    path = paths[len(paths) // 3]
    text = path.read_text(encoding="utf-8")
    line = "notes: Checked by the benchmark.\n"
    path.write_text(text + line if run % 2 == 0 else text.replace(line, ""), encoding="utf-8")


def edit_topic(folder: Path, run: int) -> None:
    """Change one topic page's narrative: alternately add and remove a sentence."""
    path = min((folder / "content" / "topics").glob("*.md"))
    text = path.read_text(encoding="utf-8")
    sentence = "\nThis sentence was added by the benchmark.\n"
    path.write_text(
        text + sentence if run % 2 == 0 else text.replace(sentence, ""), encoding="utf-8"
    )


def measure(size: str, runs: int) -> dict:
    """All figures for one corpus."""
    folder = corpus(size)
    papers = len(list((folder / "content" / "papers").glob("*.yaml")))
    result: dict = {"size": size, "papers": papers}
    full, theirs, nochange, paper_edit, notes_edit, topic_edit = [], [], [], [], [], []
    for run in range(runs):
        clean_ours(folder)
        full.append(ours(folder))
        theirs.append(hugo_pagefind(folder))
        nochange.append(ours(folder))
        edit_paper(folder, run)
        paper_edit.append(ours(folder))
        edit_notes(folder, run)
        notes_edit.append(ours(folder))
        edit_topic(folder, run)
        topic_edit.append(ours(folder))
        print(
            f"{size}: run {run + 1}/{runs} full {full[-1][0]:.2f}s, hugo+pagefind {theirs[-1][0]:.2f}s",
            flush=True,
        )
    if runs % 2 == 1:  # leave the corpus as generated
        edit_paper(folder, 1)
        edit_notes(folder, 1)
        edit_topic(folder, 1)
    for name, values in [
        ("full", full),
        ("hugo_pagefind", theirs),
        ("nochange", nochange),
        ("edit_paper", paper_edit),
        ("edit_notes", notes_edit),
        ("edit_topic", topic_edit),
    ]:
        result[name] = {
            "seconds": statistics.median(v[0] for v in values),
            "peak_mb": max(v[1] for v in values),
            "peak_pss_mb": max(v[2] for v in values),
        }
    result["ratio"] = result["full"]["seconds"] / result["hugo_pagefind"]["seconds"]
    result["site_bytes"] = tree_size(folder / "site")
    result["search_bytes"] = tree_size(folder / "site" / "search")
    result["hugo_bytes"] = tree_size(folder / "hugo" / "public")
    result["pagefind_bytes"] = tree_size(folder / "hugo" / "public" / "pagefind")
    return result


def machine() -> str:
    """What this ran on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = (
        int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        // 1024**2
    )
    hugo = subprocess.run(
        ["hugo", "version"], capture_output=True, text=True, check=False
    ).stdout.split()[1]
    pagefind = subprocess.run(
        [sys.executable, "-m", "pagefind", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {memory} GiB RAM; Python {platform.python_version()}; Hugo {hugo}; {pagefind}"


def mb(value: int) -> str:
    return f"{value / 1e6:.1f} MB"


def report(results: list[dict], where: str) -> str:
    """The Markdown table."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {where}.",
        "",
        f"Command: `{' '.join(['python bench/run.py', *sys.argv[1:]])}` (medians of the runs).",
        "",
        (
            "Peak memory: the most the command's process tree held at once (sampled every 50 ms; "
            "our builds use at most two processes at once), as resident sets summed (RSS: a page that "
            "forked processes share counts once in each) and as proportional sets summed (PSS: "
            "a shared page is split among them, so the sum is the memory used). Rebuild times do "
            "not include deleting the replaced site, which a background process does after the "
            "build."
        ),
        "",
        "| corpus | papers | ours full | Hugo+Pagefind | ratio | ours no-change | edit 1 abstract | edit 1 paper's notes | edit 1 topic | ours peak mem RSS / PSS | H+P peak mem RSS / PSS | ours site | per paper | H+P site | our search index raw / gzip | Pagefind index raw / gzip |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']} | {r['papers']:,} | {r['full']['seconds']:.2f} s | {r['hugo_pagefind']['seconds']:.2f} s | **{r['ratio']:.2f}** "
            f"| {r['nochange']['seconds']:.2f} s | {r['edit_paper']['seconds']:.2f} s | {r['edit_notes']['seconds']:.2f} s | {r['edit_topic']['seconds']:.2f} s "
            f"| {r['full']['peak_mb']} / {r['full']['peak_pss_mb']} MB "
            f"| {r['hugo_pagefind']['peak_mb']} / {r['hugo_pagefind']['peak_pss_mb']} MB "
            f"| {mb(r['site_bytes'][0])} "
            f"| {r['site_bytes'][0] / r['papers'] / 1e3:.1f} KB | {mb(r['hugo_bytes'][0])} "
            f"| {mb(r['search_bytes'][0])} / {mb(r['search_bytes'][1])} | {mb(r['pagefind_bytes'][0])} / {mb(r['pagefind_bytes'][1])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="real,1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-runs", type=int, default=1, help="runs at 50,000 papers and more")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    results = [
        measure(size, args.runs if size == "real" or int(size) < 50000 else args.large_runs)
        for size in args.sizes.split(",")
    ]
    args.output.write_text(report(results, machine()), encoding="utf-8")
    (args.output.with_suffix(".json")).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(args.output.read_text())


if __name__ == "__main__":
    main()
