"""Stage: the files for citation managers, search engines and feed readers.

- `topics/<slug>/<slug>.bib`: a topic's papers; `survey.bib`: every paper;
- `feed.xml`, `topics/<slug>/feed.xml`: Atom feeds of the newest papers (by `added`);
- `sitemap.xml` (every page but the 404) and `robots.txt` pointing to it.

Without a `base_url` there is no absolute address: the sitemap (whose protocol demands
absolute URLs) is left out and robots.txt names none; feeds link with URLs relative to
the feed (RFC 4287 allows them), and their ids become `urn:uuid:` names derived from the
site title and the page, since an Atom id must be an absolute IRI.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import date

from . import urls
from .cite_formats import bibtex_entries
from .model import Survey, title_key

__all__ = [
    "FEED",
    "FEED_ENTRIES",
    "ROBOTS",
    "SITEMAP",
    "SURVEY_BIB",
    "absolute_url",
    "bibliography_files",
    "feed_files",
    "topic_bib_url",
    "topic_feed_url",
]

FEED = "feed.xml"
SURVEY_BIB = "survey.bib"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- where the files live (site-root-relative, like every URL in urls.py) -----------------


def topic_bib_url(slug: str) -> str:
    """A topic's papers as BibTeX."""
    return f"{urls.topic_url(slug)}{slug}.bib"


def topic_feed_url(slug: str) -> str:
    """A topic's Atom feed."""
    return urls.topic_url(slug) + FEED


def absolute_url(base_url: str, url: str) -> str | None:
    """The absolute address of a site URL, or None without a base_url."""
    return f"{base_url.rstrip('/')}/{url}" if base_url else None


# --- the stage ------------------------------------------------------------------------


def bibliography_files(survey: Survey) -> dict[str, bytes]:
    """survey.bib and each topic's .bib file: made from the papers' BibTeX entries (see
    cite_formats.bibtex_inputs), the site's and topics' titles and the topics' members."""
    title = survey.site.title
    files = {SURVEY_BIB: bibliography(survey, survey.papers, title)}
    for slug, topic in survey.topics.items():
        label = f"{title}: {topic.title}"
        files[topic_bib_url(slug)] = bibliography(survey, survey.members[slug], label)
    return files


def feed_files(survey: Survey, page_urls: Sequence[str]) -> dict[str, bytes]:
    """The Atom feeds, robots.txt and the sitemap."""
    title = survey.site.title
    files = {
        FEED: atom_feed(survey, FEED, title, survey.site.description, urls.HOME, survey.papers)
    }
    for slug, topic in survey.topics.items():
        label = f"{title}: {topic.title}"
        files[topic_feed_url(slug)] = atom_feed(
            survey,
            topic_feed_url(slug),
            label,
            topic.summary,
            urls.topic_url(slug),
            survey.members[slug],
        )
    files[ROBOTS] = robots_txt(survey.site.base_url)
    if survey.site.base_url:
        files[SITEMAP] = sitemap(survey.site.base_url, page_urls)
    return files


def bibliography(survey: Survey, paper_ids: Iterable[str], label: str) -> bytes:
    """Several papers' BibTeX entries, in the given order, after a comment line."""
    ids = list(paper_ids)
    every = bibtex_entries(survey.papers)
    entries = [every[pid] for pid in ids]
    where = absolute_url(survey.site.base_url, "") or ""
    header = f"% {label}: {len(ids)} paper{'s' if len(ids) != 1 else ''}. {where}".rstrip()
    return ("\n".join([header, "", *entries])).encode()


# --- crawlers -------------------------------------------------------------------------


def robots_txt(base_url: str) -> bytes:
    """Allow everything; name the sitemap when its address is known."""
    lines = ["User-agent: *", "Disallow:"]
    if base_url:
        lines += ["", f"Sitemap: {absolute_url(base_url, SITEMAP)}"]
    return ("\n".join(lines) + "\n").encode()


def sitemap(base_url: str, page_urls: Sequence[str]) -> bytes:
    """Every page but the 404 page, by absolute URL."""
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for url in page_urls:
        if url != urls.NOT_FOUND:
            ET.SubElement(ET.SubElement(root, "url"), "loc").text = absolute_url(base_url, url)
    return _xml_bytes(root)


# --- Atom -----------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return _NOT_XML_CHARS.sub("", text)


def _timestamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _atom_id(survey: Survey, url: str) -> str:
    """A page's absolute URL, or a stable `urn:uuid:` name without a base_url."""
    address = absolute_url(survey.site.base_url, url)
    if address:
        return address
    return uuid.uuid5(uuid.NAMESPACE_URL, f"surveysite:{survey.site.title}:{url}").urn


def atom_feed(
    survey: Survey,
    feed_url: str,
    title: str,
    subtitle: str,
    page_url: str,
    paper_ids: Iterable[str],
) -> bytes:
    """An Atom feed of the newest papers among `paper_ids` (those with an `added` date)."""
    papers = [survey.papers[pid] for pid in paper_ids if survey.papers[pid].added]
    papers.sort(key=lambda p: (-p.added.toordinal(), title_key(p.title), p.id))
    papers = papers[:FEED_ENTRIES]

    def href(url: str) -> str:
        return absolute_url(survey.site.base_url, url) or (urls.root_from(feed_url) + url or "./")

    updated = papers[0].added if papers else newest_added(survey)
    feed = ET.Element("feed", {"xmlns": ATOM})
    _sub(feed, "id", _atom_id(survey, feed_url))
    _sub(feed, "title", title)
    if subtitle:
        _sub(feed, "subtitle", subtitle)
    _sub(feed, "updated", _timestamp(updated))
    ET.SubElement(_sub(feed, "author"), "name").text = _xml_text(
        survey.site.maintainer or survey.site.title
    )
    ET.SubElement(
        feed, "link", {"rel": "self", "type": "application/atom+xml", "href": href(feed_url)}
    )
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": href(page_url)})
    _sub(feed, "generator", "surveysite")
    for paper in papers:
        page = urls.paper_url(paper.id)
        entry = ET.SubElement(feed, "entry")
        _sub(entry, "id", _atom_id(survey, page))
        _sub(entry, "title", paper.title)
        _sub(entry, "updated", _timestamp(paper.added))
        _sub(entry, "published", _timestamp(paper.added))
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": href(page)})
        for name in paper.authors:
            ET.SubElement(_sub(entry, "author"), "name").text = _xml_text(name)
        for slug in survey.paper_topics.get(paper.id, ()):
            label = _xml_text(survey.topics[slug].title)
            ET.SubElement(entry, "category", {"term": slug, "label": label})
        _sub(entry, "summary", paper.abstract).set("type", "text")
    return _xml_bytes(feed)


def newest_added(survey: Survey) -> date:
    """The newest `added` date of the survey (a feed's date when none of its papers has one)."""
    return max((p.added for p in survey.papers.values() if p.added), default=date(1970, 1, 1))


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = _xml_text(text)
    return element


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
