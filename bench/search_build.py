"""Time the search stage alone: `search_files(survey)` on a corpus, median of some runs.

    python bench/search_build.py bench/work/s10000 --runs 5
    python bench/search_build.py . --runs 5 --code /tmp/old --code .   # old vs new

Each run is a fresh process (the survey is loaded, then the stage runs once and is timed);
reported: median and all wall times, the growth of the process's peak resident memory
during the stage, and the bytes of the search files by kind (raw and gzipped). `--code`
names a folder holding a `surveysite/` to import (default: this checkout); with several,
their runs take turns, so a busy machine slows them alike.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def one_run(root: Path) -> dict[str, object]:
    """Load the survey, run the stage once; its time, memory growth and file sizes."""
    from surveysite.build_site import Project, load_survey  # from --code (PYTHONPATH)
    from surveysite.search_files import search_files

    survey, _ = load_survey(Project.at(root))
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    files = search_files(survey)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sizes: dict[str, list[int]] = {}  # kind (t, a, d, manifest) -> [bytes, gzipped, files]
    for path, data in files.items():
        totals = sizes.setdefault(
            path.rsplit("/", 1)[-1].split("-")[0].removesuffix(".json"), [0, 0, 0]
        )
        totals[0] += len(data)
        totals[1] += len(gzip.compress(data, 6))
        totals[2] += 1
    return {"seconds": seconds, "peak_mb": (after - before) / 1024, "sizes": sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, action="append", help="folder holding surveysite/")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.root)))
        return
    codes = args.code or [REPO]
    runs: dict[Path, list[dict]] = {code: [] for code in codes}
    for _ in range(args.runs):
        for code in codes:
            runs[code].append(run_once(args.root, code))
    for code in codes:
        report(args.root, code, runs[code])


def run_once(root: Path, code: Path) -> dict:
    """One run in a fresh process, importing surveysite/ from `code`."""
    env = dict(os.environ, PYTHONPATH=str(code.resolve()))
    command = [sys.executable, __file__, str(root.resolve()), "--one"]
    return json.loads(subprocess.run(command, env=env, capture_output=True, check=True).stdout)


def report(root: Path, code: Path, runs: list[dict]) -> None:
    """Print the times, memory and sizes of some runs."""
    times = sorted(round(run["seconds"], 2) for run in runs)
    print(f"{root} with {code}/surveysite, {len(runs)} runs")
    print(f"  search stage: median {statistics.median(times):.2f} s, all {times}")
    print(f"  peak RSS growth: {max(run['peak_mb'] for run in runs):.0f} MB")
    total = [0, 0, 0]
    for kind, (raw, packed, count) in sorted(runs[0]["sizes"].items()):
        total = [total[0] + raw, total[1] + packed, total[2] + count]
        print(f"  {kind:9} {count:6} files {raw / 1e6:8.2f} MB  gzip {packed / 1e6:7.2f} MB")
    print(f"  {'all':9} {total[2]:6} files {total[0] / 1e6:8.2f} MB  gzip {total[1] / 1e6:7.2f} MB")


if __name__ == "__main__":
    main()
