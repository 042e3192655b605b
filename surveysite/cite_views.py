"""View data for citing and discovery: head metadata, the Cite block, feed and .bib links.

`views.common`, `views.topic_page` and `views.paper_page` merge these dicts into their
views; templates/partials/meta.html and templates/partials/cite.html display them.

Without a `base_url` nothing needs an absolute address except what points off-site
(arXiv, DOI and PDF links): `og:url`, `citation_abstract_html_url` (then the arXiv or
publisher page stands in) and JSON-LD's `url` are left out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .cite_formats import (
    CONFERENCE,
    JOURNAL,
    arxiv_abs_url,
    arxiv_pdf_url,
    bibtex_entry,
    cite_keys,
    csl_json,
    paper_kind,
    ris,
)
from .export_files import FEED, SURVEY_BIB, topic_bib_url, topic_feed_url
from .model import Survey
from .records import Paper

__all__ = ["cite_key", "common_view", "json_ld_text", "paper_view", "topic_view"]

DESCRIPTION_CHARS = 200
FORMATS = (  # (format id, label, file extension, media type of the download)
    ("bibtex", "BibTeX", "bib", "application/x-bibtex"),
    ("ris", "RIS", "ris", "application/x-research-info-systems"),
    ("csl-json", "CSL-JSON", "json", "application/vnd.citationstyles.csl+json"),
)


def _summary(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The start of a text for a description, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def common_view(survey: Survey) -> dict[str, Any]:
    """What every page's head and footer need: description, the survey's feed and .bib."""
    site = survey.site
    return {
        "meta": {"description": site.description, "type": "website", "citation": [], "json_ld": ""},
        "feeds": [{"title": f"{site.title}: newly added papers", "url": FEED}],
        "exports": {"survey_bib": SURVEY_BIB, "feed": FEED},
    }


def topic_view(survey: Survey, slug: str, feeds: list[dict[str, str]]) -> dict[str, Any]:
    """A topic's feed (listed first) and .bib download."""
    topic = survey.topics[slug]
    feed = {"title": f"{topic.title}: newly added papers", "url": topic_feed_url(slug)}
    return {
        "meta": {"description": topic.summary, "type": "website", "citation": [], "json_ld": ""},
        "feeds": [feed, *feeds],
        "topic_exports": {
            "bib": topic_bib_url(slug),
            "bib_filename": f"{slug}.bib",
            "feed": topic_feed_url(slug),
        },
    }


def cite_key(survey: Survey, paper_id: str) -> str:
    """The paper's citation key (unique in the survey)."""
    return cite_keys(survey.papers)[paper_id]


def paper_view(survey: Survey, paper_id: str, canonical: str | None) -> dict[str, Any]:
    """A paper's Cite block (each format's text; the reader downloads it from the page) and
    its scholarly metadata (made from the paper's record and its key alone, with the topic
    titles and the canonical address)."""
    paper = survey.papers[paper_id]
    key = cite_key(survey, paper_id)
    texts = {
        "bibtex": bibtex_entry(survey.papers, paper_id),
        "ris": ris(paper, key),
        "csl-json": csl_json(paper, key),
    }
    cite = {
        "key": key,
        "formats": [
            {
                "id": fmt,
                "label": label,
                "text": texts[fmt].replace("\r\n", "\n"),
                "filename": f"{key}.{ext}",
                "ext": ext,
                "media_type": media_type,
                "crlf": "\r\n" in texts[fmt],  # RIS: the download gets its CRLF line ends back
            }
            for fmt, label, ext, media_type in FORMATS
        ],
    }
    topics = [survey.topics[s].title for s in survey.paper_topics.get(paper_id, ())]
    meta = {
        "description": _summary(paper.abstract),
        "type": "article",
        "citation": scholar_tags(paper, canonical),
        "json_ld": json_ld_text(scholarly_article(paper, canonical, topics)),
    }
    return {"cite": cite, "meta": meta}


def abstract_page(paper: Paper, canonical: str | None) -> str | None:
    """Where the paper's abstract can be read: this page, else arXiv, the web page, the DOI."""
    if canonical:
        return canonical
    if paper.arxiv:
        return arxiv_abs_url(paper.arxiv)
    return paper.url or (f"https://doi.org/{paper.doi}" if paper.doi else None)


def pdf_url(paper: Paper) -> str | None:
    """The paper's PDF: its `pdf`, else arXiv's."""
    return paper.pdf or (arxiv_pdf_url(paper.arxiv) if paper.arxiv else None)


def scholar_tags(paper: Paper, canonical: str | None) -> list[tuple[str, str]]:
    """Google Scholar's `citation_*` meta tags, for what is known."""
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.authors]
    if paper.year:
        tags.append(("citation_publication_date", str(paper.year)))
    kind = paper_kind(paper)
    if paper.venue and kind in (JOURNAL, CONFERENCE):
        name = "citation_journal_title" if kind is JOURNAL else "citation_conference_title"
        tags.append((name, paper.venue))
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    if paper.arxiv:
        tags.append(("citation_arxiv_id", paper.arxiv))
    if pdf := pdf_url(paper):
        tags.append(("citation_pdf_url", pdf))
    if page := abstract_page(paper, canonical):
        tags.append(("citation_abstract_html_url", page))
    return tags


def scholarly_article(paper: Paper, canonical: str | None, topics: list[str]) -> dict[str, Any]:
    """schema.org's ScholarlyArticle for the paper."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": paper.title,
        "headline": _summary(paper.title, 110),
        "description": _summary(paper.abstract),
    }
    if canonical:
        data["url"] = canonical
    if paper.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if paper.year:
        data["datePublished"] = str(paper.year)
    if paper.venue:
        data["isPartOf"] = {"@type": "CreativeWork", "name": paper.venue}
    identifiers = []
    if paper.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi})
    if paper.arxiv:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv})
    if identifiers:
        data["identifier"] = identifiers
    same_as = [
        link
        for link in (
            arxiv_abs_url(paper.arxiv) if paper.arxiv else None,
            f"https://doi.org/{paper.doi}" if paper.doi else None,
            paper.url,
        )
        if link
    ]
    if same_as:
        data["sameAs"] = same_as
    if topics:
        data["keywords"] = topics
    return data


def json_ld_text(data: dict[str, Any]) -> str:
    """JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` escaped.

    A script's text is not HTML-escaped, so the JSON itself must never contain `</script`
    or `<!--`; JSON's `\\u003c` escapes keep the data identical.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub(r"[<>&]", lambda m: f"\\u{ord(m.group()):04x}", text)
