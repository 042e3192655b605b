"""Deterministic synthetic surveys for the benchmark, built from the real seed abstracts.

`python bench/generate.py N OUT` writes OUT/content (a surveysite project: N papers, 25 topics,
1–3 topics per paper, sentences of the real abstracts recombined) and OUT/hugo (the same papers
as a Hugo site with a minimal theme: a page per paper, a page per topic).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
TOPIC_COUNT = 25


def seed_corpus() -> tuple[list[str], list[str]]:
    """Title words and abstract sentences of the real survey."""
    titles, sentences = [], []
    for path in sorted((REPO / "content" / "papers").glob("*.yaml")):
        record = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        titles.append(record["title"])
        sentences += [
            s.strip() for s in re.split(r"(?<=[.!?])\s+", record["abstract"]) if len(s.strip()) > 20
        ]
    return titles, sentences


def topic_slugs() -> list[str]:
    """The synthetic topics: real-looking slugs, deterministic."""
    names = [
        "graph-networks",
        "recurrent-networks",
        "convolutional-networks",
        "transformers",
        "mixture-of-experts",
        "spiking-networks",
        "kolmogorov-arnold",
        "hypernetworks",
        "expressivity",
        "kernels",
        "generalisation",
        "optimisation",
        "initialisation",
        "quantization",
        "pruning",
        "architecture-search",
        "continual-learning",
        "interpretability",
        "neuroscience",
        "robustness",
        "verification",
        "bayesian",
        "vision",
        "language",
        "science",
    ]
    return names[:TOPIC_COUNT]


def make_papers(count: int, seed: int = 7) -> list[dict]:
    """`count` papers: titles and abstracts recombined from the seeds, 1–3 topics each."""
    rng = random.Random(seed)
    titles, sentences = seed_corpus()
    words = [w for t in titles for w in t.split()]
    topics = topic_slugs()
    papers = []
    for number in range(count):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(5, 12)))
        abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9)))
        papers.append(
            {
                "id": f"p{number:06d}-"
                + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-"),
                "title": title,
                "abstract": abstract,
                "year": rng.randint(2014, 2026),
                "topics": rng.sample(topics, rng.randint(1, 3)),
                "added": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
            }
        )
    return papers


def write_surveysite(papers: list[dict], out: Path) -> None:
    """The papers as a surveysite content folder."""
    content = out / "content"
    shutil.rmtree(content, ignore_errors=True)
    (content / "papers").mkdir(parents=True)
    (content / "topics").mkdir()
    (content / "site.yaml").write_text("title: Synthetic survey\ndescription: Benchmark corpus.\n")
    for paper in papers:
        record = {k: paper[k] for k in ("title", "year", "topics", "abstract")}
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=88)
        (content / "papers" / f"{paper['id']}.yaml").write_text(
            text + f"added: {paper['added']}\n", encoding="utf-8"
        )
    for slug in topic_slugs():
        title = slug.replace("-", " ").capitalize()
        body = f"---\ntitle: {title}\nsummary: Synthetic topic {title}.\n---\nA short narrative about {title}.\n"
        (content / "topics" / f"{slug}.md").write_text(body, encoding="utf-8")
    shutil.copytree(REPO / "templates", out / "templates", dirs_exist_ok=True)
    shutil.copytree(REPO / "static", out / "static", dirs_exist_ok=True)


HUGO_CONFIG = """baseURL = "http://127.0.0.1/"
title = "Synthetic survey"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[taxonomies]
topic = "topics"
"""
HUGO_BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="stylesheet" href="/style.css"></head><body><header><a href="/">Survey</a></header>
<main data-pagefind-body>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.year }}</p>
<ul>{{ range .GetTerms "topics" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<section>{{ .Content }}</section></article>{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"""


def write_hugo(papers: list[dict], out: Path) -> None:
    """The same papers as a Hugo site with a minimal theme."""
    hugo = out / "hugo"
    shutil.rmtree(hugo, ignore_errors=True)
    (hugo / "content" / "papers").mkdir(parents=True)
    (hugo / "layouts" / "_default").mkdir(parents=True)
    (hugo / "static").mkdir()
    (hugo / "config.toml").write_text(HUGO_CONFIG)
    (hugo / "layouts" / "_default" / "baseof.html").write_text(HUGO_BASEOF)
    (hugo / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (hugo / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    (hugo / "layouts" / "_default" / "terms.html").write_text(HUGO_LIST)
    (hugo / "static" / "style.css").write_text(
        "body{font-family:sans-serif;max-width:50rem;margin:auto}"
    )
    for paper in papers:
        front = {
            "title": paper["title"],
            "year": paper["year"],
            "topics": paper["topics"],
            "date": paper["added"],
        }
        text = (
            "---\n"
            + yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
            + "---\n"
            + paper["abstract"]
            + "\n"
        )
        (hugo / "content" / "papers" / f"{paper['id']}.md").write_text(text, encoding="utf-8")


def real_papers() -> list[dict]:
    """The real survey's papers, for the Hugo side of the real-survey benchmark."""
    papers = []
    for path in sorted((REPO / "content" / "papers").glob("*.yaml")):
        record = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        papers.append(
            {
                "id": path.stem,
                "title": record["title"],
                "abstract": record["abstract"],
                "year": record.get("year") or 2026,
                "topics": record.get("topics", []),
                "added": str(record.get("added", "2026-11-23")),
            }
        )
    return papers


def write_real(out: Path) -> None:
    """The real survey: a copy of the project (content included) and its Hugo twin."""
    out.mkdir(parents=True, exist_ok=True)
    for folder in ("content", "templates", "static"):
        shutil.rmtree(out / folder, ignore_errors=True)
        shutil.copytree(REPO / folder, out / folder)
    write_hugo(real_papers(), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", help="number of papers, or 'real' for the real survey")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.count == "real":
        write_real(args.out)
        return
    papers = make_papers(int(args.count))
    write_surveysite(papers, args.out)
    write_hugo(papers, args.out)


if __name__ == "__main__":
    main()
