"""Compare another commit's build times with this checkout's, in interleaved runs.

    python bench/compare.py d08f44d --size 10000 --change abstract --pairs 6
    python bench/compare.py HEAD~3 --size 1000 --change full

A shared machine drifts: on one day here a full build of 10,000 papers took 9.7 s in one
hour and 19 s in another. Runs of the two versions alternate (and take turns going first),
so drift hits both alike; bench/run.py's figures, taken one after another, cannot show a
difference smaller than the drift. Each version builds its own copy of the corpus (its
build cache would be another version's otherwise); `full` builds from a clean copy every
time, the edits change one file before each build (as bench/run.py does). Prints each version's
median time and peak memory (see run.timed), and the time of every run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import run

REPO = run.REPO
EDITS = {"abstract": run.edit_paper, "notes": run.edit_notes, "topic": run.edit_topic}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("commit", help="the other version (any git revision)")
    parser.add_argument("--size", default="1000", help="real, or a paper count (bench/work)")
    parser.add_argument("--change", choices=["full", *EDITS], default="full")
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    source = run.corpus(args.size)
    with tempfile.TemporaryDirectory(prefix="compare-") as temporary:
        work = Path(temporary)
        other = work / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(other), args.commit],
            cwd=REPO,
            check=True,
        )
        try:
            builds = {args.commit: other / "build.py", "this checkout": REPO / "build.py"}
            folders = {}
            for number, name in enumerate(builds):
                folders[name] = work / f"corpus-{number}"
                for part in ("content", "templates", "static"):
                    shutil.copytree(source / part, folders[name] / part)
                run.ours(folders[name], builds[name])  # the cache an edit starts from
            runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name in builds}
            for pair in range(args.pairs):
                order = list(builds) if pair % 2 == 0 else list(reversed(builds))
                for name in order:
                    if args.change == "full":
                        run.clean_ours(folders[name])
                    else:
                        EDITS[args.change](folders[name], pair)
                    runs[name].append(run.ours(folders[name], builds[name]))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=REPO, check=True
            )
    for name, measured in runs.items():
        seconds, rss, pss = (statistics.median(values) for values in zip(*measured, strict=True))
        print(
            f"{args.change} at {args.size}: {name}: median {seconds:.2f} s, peak memory"
            f" {rss:.0f} MB RSS / {pss:.0f} MB PSS"
            f" ({' '.join(f'{value:.2f}' for value, _, _ in measured)})"
        )


if __name__ == "__main__":
    main()
