"""Related papers and the map at scale: `python bench/similarity.py 10000`.

Times the similarity stage (TF-IDF related papers + map layout) on a synthetic survey and
weighs the pages it feeds (map, all papers, the BibTeX export data).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from generate import make_papers, write_surveysite

from surveysite.build_cache import BuildCache
from surveysite.build_site import Project, add_similarity, build, load_survey


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    folder = Path(tempfile.mkdtemp())
    try:
        write_surveysite(make_papers(count), folder)
        project = Project.at(folder)
        survey, _ = load_survey(project)
        start = time.perf_counter()
        add_similarity(survey, BuildCache())
        similarity = time.perf_counter() - start
        files = build(project, write=False).files
        sizes = {name: len(files[name]) for name in ("map/index.html", "papers/index.html", "papers/bibtex.json")}
        print(f"{count} papers: related + map {similarity:.1f} s; page sizes {sizes}")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
