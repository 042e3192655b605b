"""Related papers and the map at scale: `python bench/similarity.py real 10000 50000`.

Times the similarity stage as the build runs it (TF-IDF vectors, related papers, map
layout) for each size, and its peak memory. scikit-learn is imported first: a build pays
that once, apart from the stage. The first run also gives the peak memory: the highest
resident set size of the process during the stage, and how much that is above the size
before it. Later runs give the median time (--runs, 3 by default).

Corpora: `real` is content/; a number N is bench/work/sN when it exists (made by
`python bench/generate.py N bench/work/sN`), else generated into a temporary folder.
With --pages the sizes of the pages the stage feeds are printed too (a full build).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from generate import make_papers, write_surveysite

from surveysite.build_site import Project, build, load_survey
from surveysite.map_layout import layout
from surveysite.model import Survey
from surveysite.related import paper_vectors, related_papers

SKLEARN = ("sklearn.feature_extraction.text", "sklearn.decomposition", "sklearn.manifold")
STEPS = ("vectors", "related", "map")
PAGES = ("map/index.html", "papers/index.html", "papers/bibtex.json")


def memory_mb(field: str) -> float:
    """A memory figure of this process from /proc (VmRSS: now, VmHWM: the highest)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_memory() -> None:
    """Start VmHWM again from the current size (Linux)."""
    Path("/proc/self/clear_refs").write_text("5")


def run_stage(survey: Survey) -> dict[str, float]:
    """The stage as build_site.add_similarity runs it; seconds per step."""
    topics = [frozenset(survey.paper_topics.get(pid, ())) for pid in survey.papers]
    marks = [time.perf_counter()]
    vectors = paper_vectors(survey.papers.values())
    marks.append(time.perf_counter())
    related_papers(list(survey.papers), vectors, topics)
    marks.append(time.perf_counter())
    layout(vectors).tolist()
    marks.append(time.perf_counter())
    times = {step: end - start for step, start, end in zip(STEPS, marks, marks[1:])}
    return times | {"stage": marks[-1] - marks[0]}


def measure(survey: Survey, runs: int) -> tuple[dict[str, float], dict[str, float], float, float]:
    """The first run's times, the later runs' median times, the memory before and at peak (MB)."""
    before = memory_mb("VmRSS")
    reset_peak_memory()
    first = run_stage(survey)
    peak = memory_mb("VmHWM")
    later = [run_stage(survey) for _ in range(runs)]
    median = {step: statistics.median(t[step] for t in later) for step in first}
    return first, median, before, peak


def with_corpus(size: str, use: Callable[[Project], None]) -> None:
    """Call `use` with the project of the corpus for `size`."""
    if size == "real":
        use(Project.at(REPO))
    elif (BENCH / "work" / f"s{size}" / "content").exists():
        use(Project.at(BENCH / "work" / f"s{size}"))
    else:
        folder = Path(tempfile.mkdtemp())
        try:
            write_surveysite(make_papers(int(size)), folder)
            use(Project.at(folder))
        finally:
            shutil.rmtree(folder)


def report(size: str, runs: int, pages: bool) -> None:
    """Print the stage's figures for one corpus."""

    def use(project: Project) -> None:
        survey, _ = load_survey(project)
        first, median, before, peak = measure(survey, runs)
        steps = ", ".join(f"{step} {median[step]:.3f}" for step in STEPS)
        print(
            f"{size}: {len(survey.papers)} papers; stage {median['stage']:.3f} s "
            f"({steps}; median of {runs}); first run {first['stage']:.3f} s; "
            f"peak memory {peak:.0f} MB, {peak - before:.0f} MB above the {before:.0f} MB before",
            flush=True,
        )
        if pages:
            files = build(project, write=False).files
            sizes = {name: len(files[name]) for name in PAGES}
            print(f"  page sizes {sizes}", flush=True)

    with_corpus(size, use)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["10000"], help="'real' or paper counts")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the first")
    parser.add_argument("--pages", action="store_true", help="also weigh the pages it feeds")
    args = parser.parse_args()
    for module in SKLEARN:  # the one-off import, outside the timings
        importlib.import_module(module)
    for size in args.sizes:
        report(size, args.runs, args.pages)


if __name__ == "__main__":
    main()
