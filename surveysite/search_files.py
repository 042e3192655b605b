"""Stage 6: the search files, from the survey model (the index itself: search_index)."""

from __future__ import annotations

from .model import Survey
from .search_index import SearchEntry, build_search_files
from .urls import paper_url


def search_entries(survey: Survey) -> list[SearchEntry]:
    """One search entry per paper: what is searched and what a result shows."""
    return [
        SearchEntry(
            id=paper.id,
            url=paper_url(paper.id),
            title=paper.title,
            topics=tuple(survey.topics[s].title for s in survey.paper_topics.get(paper.id, ())),
            authors=paper.authors,
            abstract=paper.abstract,
            year=paper.year,
        )
        for paper in survey.papers.values()
    ]


def search_files(survey: Survey) -> dict[str, bytes]:
    """The index and documents files, keyed by path in the site."""
    return build_search_files(search_entries(survey))
