"""Faceted browsing of all papers: the filter choices, each card's facet values, the export.

Cards carry their facets as short numbers (`data-t="0 4"`: topics in tree order, ancestors
included, so a parent topic also finds its sub-topics' papers; `data-s`: sources in sorted
order); the choices carry the same numbers, and the URL names topics and sources by slug
and name, so a shared link survives a rebuild that renumbers them.
"""

from __future__ import annotations

import json
from typing import Any

from . import cite_formats
from .model import Survey

BIBTEX_FILE = "papers/bibtex.json"


def topics_with_ancestors(survey: Survey, paper_id: str) -> set[str]:
    """The paper's topics and every topic above them."""
    found: set[str] = set()
    for slug in survey.paper_topics.get(paper_id, ()):
        while slug in survey.topics and slug not in found:
            found.add(slug)
            slug = survey.topics[slug].parent or ""
    return found


def all_sources(survey: Survey) -> list[str]:
    """Every source listing named by a paper, sorted."""
    return sorted({source for paper in survey.papers.values() for source in paper.sources})


def facet_choices(survey: Survey) -> dict[str, Any]:
    """The options of each filter; years newest first, with 'none' when some papers lack one."""
    years = {paper.year for paper in survey.papers.values()}
    return {
        "topics": [
            {"slug": slug, "n": n, "title": topic.title, "depth": survey.depth[slug]}
            for n, (slug, topic) in enumerate(survey.topics.items())
        ],
        "years": sorted((y for y in years if y is not None), reverse=True),
        "unknown_year": None in years,
        "sources": [{"name": name, "n": n} for n, name in enumerate(all_sources(survey))],
        "bibtex_url": BIBTEX_FILE,
    }


def card_facets(survey: Survey) -> dict[str, dict[str, str]]:
    """Each paper's facet values as the card's data attributes hold them."""
    topic_numbers = {slug: n for n, slug in enumerate(survey.topics)}
    source_numbers = {name: n for n, name in enumerate(all_sources(survey))}
    return {
        paper_id: {
            "topics": " ".join(
                str(n)
                for n in sorted(topic_numbers[s] for s in topics_with_ancestors(survey, paper_id))
            ),
            "sources": " ".join(str(source_numbers[s]) for s in sorted(set(paper.sources))),
        }
        for paper_id, paper in survey.papers.items()
    }


def bibtex_files(survey: Survey) -> dict[str, bytes]:
    """Every paper's BibTeX entry by id, fetched by the all-papers page when a reader exports."""
    entries = cite_formats.bibtex_entries(survey.papers)
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {BIBTEX_FILE: text.encode("utf-8")}
