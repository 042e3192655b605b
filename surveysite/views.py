"""Stage 4: plan the pages: for each URL, its template and exactly what it displays."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from . import cite_views, facets, markup, survey_map, urls
from .build_cache import digest, part_digest
from .model import Narrative, Survey
from .records import Paper

SNIPPET_CHARS = 160
RECENT_PAPERS = 12


@dataclass(frozen=True)
class Page:
    """One page to render: where it goes, which template, and its view."""

    url: str
    template: str
    view: dict[str, Any]


@dataclass(frozen=True)
class PagePlan:
    """A page to come: its URL now, its view when `make()` is called (views cost time).

    `inputs()` returns everything the view is made from, cheaply: equal inputs make an equal
    view, so an incremental build that finds the last build's inputs skips `make()`
    (tests/test_incremental.py checks the result against full builds). `shows` names what
    the view shows of the similarity stage, which is computed meanwhile: "related" (the
    survey's related papers), "positions" (its map positions); the build waits for them.
    """

    url: str
    make: Callable[[], Page]
    inputs: Callable[[], Any]
    shows: frozenset[str] = frozenset()


def page_plans(survey: Survey) -> list[PagePlan]:
    """Every page of the site, in a stable order."""
    search = functools.partial(simple_page, survey, urls.SEARCH, "search.html", "Search")
    not_found = functools.partial(simple_page, survey, urls.NOT_FOUND, "404.html", "Page not found")
    simple = functools.partial(site_inputs, survey)
    plans = [
        PagePlan(
            urls.HOME, functools.partial(home_page, survey), functools.partial(home_inputs, survey)
        ),
        PagePlan(
            urls.PAPERS,
            functools.partial(papers_index_page, survey),
            functools.partial(papers_index_inputs, survey),
        ),
        PagePlan(
            urls.TOPICS,
            functools.partial(topics_index_page, survey),
            functools.partial(topics_index_inputs, survey),
        ),
        PagePlan(
            urls.MAP,
            functools.partial(map_page, survey),
            functools.partial(map_inputs, survey),
            frozenset({"positions"}),
        ),
        PagePlan(urls.SEARCH, search, simple),
        PagePlan(urls.NOT_FOUND, not_found, simple),
    ]
    plans += [
        PagePlan(
            urls.topic_url(slug),
            functools.partial(topic_page, survey, slug),
            functools.partial(topic_page_inputs, survey, slug),
        )
        for slug in survey.topics
    ]
    plans += [
        PagePlan(
            urls.paper_url(pid),
            functools.partial(paper_page, survey, pid),
            functools.partial(paper_page_inputs, survey, pid),
            frozenset({"related"}),
        )
        for pid in survey.papers
    ]
    return plans


def plan_pages(survey: Survey) -> list[Page]:
    """Every page of the site with its view, in a stable order."""
    return [plan.make() for plan in page_plans(survey)]


def today() -> date:
    """Today's date, or SOURCE_DATE_EPOCH's when set (reproducible runs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).date()
    return date.today()


@functools.cache
def site_date_of(epoch: str | None, newest_added: date | None) -> date | None:
    """SOURCE_DATE_EPOCH's date when set, else the newest `added` date."""
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).date()
    return newest_added


def site_date(survey: Survey) -> date | None:
    """The date the site shows as updated: SOURCE_DATE_EPOCH, else the newest `added`."""
    return site_date_of(os.environ.get("SOURCE_DATE_EPOCH"), survey.newest_added)


def common(survey: Survey, url: str, title: str, source_path: str | None = None) -> dict[str, Any]:
    """What every page shows: site name, navigation, root path, edit link."""
    site = survey.site
    edit_url = (
        f"{site.repository}/edit/{site.branch}/{source_path}"
        if site.repository and source_path
        else None
    )
    updated = site_date(survey)
    return {
        "site": {
            "title": site.title,
            "description": site.description,
            "repository": site.repository,
            "maintainer": site.maintainer,
        },
        "url": url,
        "root": not_found_root(site.base_url) if url == urls.NOT_FOUND else urls.root_from(url),
        "page_title": title,
        "canonical": f"{site.base_url}/{url}" if site.base_url else None,
        "edit_url": edit_url,
        "updated": updated.isoformat() if updated else None,
        "counts": {"papers": len(survey.papers), "topics": len(survey.topics)},
        **cite_views.common_view(survey),
    }


def not_found_root(base_url: str) -> str:
    """The 404 page is served at any depth, so its links start at the site's absolute path."""
    path = re.sub(r"^https?://[^/]+", "", base_url).rstrip("/")
    return f"{path}/"


def simple_page(survey: Survey, url: str, template: str, title: str) -> Page:
    """A page with no data of its own (search, 404)."""
    return Page(url, template, common(survey, url, title))


@functools.lru_cache(maxsize=1 << 17)
def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def topic_link(survey: Survey, slug: str) -> dict[str, Any]:
    """A topic as a link with its title."""
    return {"title": survey.topics[slug].title, "url": urls.topic_url(slug)}


def paper_link(survey: Survey, paper_id: str) -> dict[str, Any]:
    """A paper as a link with its title."""
    return {"title": survey.papers[paper_id].title, "url": urls.paper_url(paper_id)}


def paper_card(survey: Survey, paper_id: str, note: str | None = None) -> dict[str, Any]:
    """A paper in a list: title, year, topics, a snippet, the curator's note.

    A paper's card is made once per survey (it appears on many pages); callers never
    change the dict they get.
    """
    card = _CARDS.get(survey, paper_id, lambda: _paper_card(survey, paper_id))
    return card if note is None else {**card, "note": note}


class PerSurvey:
    """Values computed once for the last survey seen (a build asks for them many times)."""

    def __init__(self) -> None:
        self.survey: Survey | None = None
        self.values: dict[str, Any] = {}

    def get(self, survey: Survey, key: str, compute: Callable[[], Any]) -> Any:
        """The value for `key`, computed on first use."""
        if self.survey is not survey:
            self.survey, self.values = survey, {}
        if key not in self.values:
            self.values[key] = compute()
        return self.values[key]


_CARDS = PerSurvey()  # each paper's card, by id
_CARD_INPUTS = PerSurvey()  # a digest of what each paper's card shows, by id
_SITE_INPUTS = PerSurvey()  # digests of what many pages show: the site, the topic tree
_MEMBER_INDEX = PerSurvey()  # each topic's {paper id: position}


def _paper_card(survey: Survey, paper_id: str) -> dict[str, Any]:
    paper = survey.papers[paper_id]
    return {
        **paper_link(survey, paper_id),
        "id": paper_id,
        "year": paper.year,
        "authors": author_line(paper.authors),
        "added": paper.added.isoformat() if paper.added else "",
        "topics": [topic_link(survey, s) for s in survey.paper_topics.get(paper_id, ())],
        "snippet": snippet(paper.abstract),
        "note": None,
    }


def author_line(authors: tuple[str, ...], shown: int = 6) -> str:
    """Authors joined for display, long lists shortened with 'et al.'."""
    if len(authors) > shown:
        return ", ".join(authors[:shown]) + " et al."
    return ", ".join(authors)


def render_narrative(
    survey: Survey, narrative: Narrative | None, root: str
) -> tuple[str, list[dict[str, Any]]]:
    """HTML of a narrative with numbered citations, and its reference list."""
    if narrative is None:
        return "", []
    numbers = {paper_id: n for n, paper_id in enumerate(narrative.cited, start=1)}

    def cite_link(paper_id: str) -> tuple[str, str, str]:
        return (
            root + urls.paper_url(paper_id),
            survey.papers[paper_id].title,
            str(numbers[paper_id]),
        )

    html = markup.render(narrative.tokens, cite_link)
    references = [{"number": numbers[pid], **paper_link(survey, pid)} for pid in narrative.cited]
    return html, references


def home_page(survey: Survey) -> Page:
    """The home page: what the survey covers, the topic map, recent papers."""
    view = common(survey, urls.HOME, survey.site.title, survey.site.home_path)
    intro_html, _ = render_narrative(survey, survey.home, view["root"])
    view.update(
        intro_html=intro_html,
        topics=topic_tree(survey),
        recent=[paper_card(survey, p.id) for p in recent_papers(survey)],
    )
    return Page(urls.HOME, "home.html", view)


def recent_papers(survey: Survey) -> list[Paper]:
    """The papers added last, newest first."""
    return sorted(
        (p for p in survey.papers.values() if p.added),
        key=lambda p: (-p.added.toordinal(), p.title.casefold()),
    )[:RECENT_PAPERS]


def topic_tree(survey: Survey) -> list[dict[str, Any]]:
    """All topics in tree order with depth, summary and paper counts."""
    return [
        {
            **topic_link(survey, slug),
            "summary": topic.summary,
            "depth": survey.depth[slug],
            "count": len(survey.subtree_papers(slug)),
            "has_children": bool(survey.children[slug]),
        }
        for slug, topic in survey.topics.items()
    ]


def topics_index_page(survey: Survey) -> Page:
    """The list of all topics."""
    view = common(survey, urls.TOPICS, "Topics")
    view["topics"] = topic_tree(survey)
    return Page(urls.TOPICS, "topics.html", view)


def papers_index_page(survey: Survey) -> Page:
    """All papers, sortable by title and by date added."""
    view = common(survey, urls.PAPERS, "All papers")
    card_facets = facets.card_facets(survey)
    view["papers"] = [
        {**paper_card(survey, pid), "facets": card_facets[pid]} for pid in survey.papers
    ]
    view["facets"] = facets.facet_choices(survey)
    return Page(urls.PAPERS, "papers.html", view)


def map_page(survey: Survey) -> Page:
    """The map: papers placed by their text and coloured by topic, and how topics overlap."""
    view = common(survey, urls.MAP, "Map of the survey")
    view.update(survey_map.map_view(survey))
    return Page(urls.MAP, "map.html", view)


def topic_page(survey: Survey, slug: str) -> Page:
    """One topic: summary, narrative with citations, its papers in sections, references."""
    topic = survey.topics[slug]
    url = urls.topic_url(slug)
    view = common(survey, url, topic.title, topic.path)
    narrative_html, references = render_narrative(survey, survey.narratives.get(slug), view["root"])
    view.update(
        topic={"title": topic.title, "summary": topic.summary, "slug": slug},
        parent=topic_link(survey, topic.parent) if topic.parent in survey.topics else None,
        children=[
            {**topic_link(survey, c), "count": len(survey.subtree_papers(c))}
            for c in survey.children[slug]
        ],
        narrative_html=narrative_html,
        references=references,
        sections=[
            {
                "title": section.title,
                "note": section.note,
                "papers": [paper_card(survey, p.paper_id, p.note) for p in section.papers],
            }
            for section in survey.sections[slug]
            if section.papers
        ],
        count=len(survey.members[slug]),
    )
    view.update(cite_views.topic_view(survey, slug, view["feeds"]))
    return Page(url, "topic.html", view)


def paper_links(paper: Paper) -> list[dict[str, str]]:
    """The paper's outside links, labelled."""
    found = []
    if paper.arxiv:
        found.append(
            {"label": f"arXiv:{paper.arxiv}", "href": f"https://arxiv.org/abs/{paper.arxiv}"}
        )
    if paper.doi:
        found.append({"label": f"DOI: {paper.doi}", "href": f"https://doi.org/{paper.doi}"})
    labels = {"pdf": "PDF", "code": "Code", "url": "Web page"}
    found += [
        {"label": label, "href": getattr(paper, name)}
        for name, label in labels.items()
        if getattr(paper, name)
    ]
    return found


def member_index(survey: Survey, slug: str) -> dict[str, int]:
    """Where each paper is in a topic's list."""
    return _MEMBER_INDEX.get(
        survey, slug, lambda: {pid: n for n, pid in enumerate(survey.members[slug])}
    )


def neighbours(survey: Survey, paper_id: str) -> tuple[dict | None, dict | None]:
    """The previous and next paper within the paper's main topic."""
    main = survey.main_topic(paper_id)
    if main is None:
        return None, None
    members = survey.members[main]
    index = member_index(survey, main)[paper_id]
    previous = paper_link(survey, members[index - 1]) if index > 0 else None
    following = paper_link(survey, members[index + 1]) if index + 1 < len(members) else None
    return previous, following


def paper_page(survey: Survey, paper_id: str) -> Page:
    """One paper: abstract, topics, links, sources, citing topics, previous/next."""
    paper = survey.papers[paper_id]
    url = urls.paper_url(paper_id)
    view = common(survey, url, paper.title, paper.path)
    previous, following = neighbours(survey, paper_id)
    main = survey.main_topic(paper_id)
    notes_html = render_notes(survey, paper, view["root"])
    view.update(
        paper={
            "id": paper_id,
            "title": paper.title,
            "abstract": [
                part.strip() for part in re.split(r"\n\s*\n", paper.abstract) if part.strip()
            ],
            "authors": list(paper.authors),
            "year": paper.year,
            "venue": paper.venue,
            "added": paper.added.isoformat() if paper.added else None,
            "sources": list(paper.sources),
        },
        links=paper_links(paper),
        topics=[
            {**topic_link(survey, s), "main": s == main}
            for s in survey.paper_topics.get(paper_id, ())
        ],
        main_topic=topic_link(survey, main) if main else None,
        cited_by=[topic_link(survey, s) for s in survey.cited_by.get(paper_id, ())],
        previous=previous,
        next=following,
        notes_html=notes_html,
        related=[paper_card(survey, rid) for rid in survey.related.get(paper_id, ())],
    )
    view.update(cite_views.paper_view(survey, paper_id, view["canonical"]))
    return Page(url, "paper.html", view)


def render_notes(survey: Survey, paper: Paper, root: str) -> str:
    """The curator's notes on a paper; citations there show the cited paper's title."""
    notes = survey.notes.get(paper.id)
    if notes is None:
        return ""

    def cite_link(paper_id: str) -> tuple[str, str, str]:
        title = survey.papers[paper_id].title
        return root + urls.paper_url(paper_id), title, title

    return markup.render(notes.tokens, cite_link)


# ---------------------------------------------------------------- what views are made from
# Each function lists what the view of the same name reads; a change to a view must change
# its inputs too (tests/test_incremental.py compares incremental builds with full ones).


def site_inputs(survey: Survey) -> str:
    """A digest of what `common` shows on every page besides the page's own URL, title and
    source (made once per survey: every page's inputs hold it)."""
    return _SITE_INPUTS.get(
        survey,
        "site",
        lambda: digest(
            (
                survey.site,
                len(survey.papers),
                len(survey.topics),
                site_date(survey),
                cite_views.common_view(survey),
            )
        ),
    )


def topic_titles(survey: Survey, slugs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Topics as links show them."""
    return tuple((slug, survey.topics[slug].title) for slug in slugs)


def paper_digests(survey: Survey) -> None:
    """Make the digests of every record that pages are keyed by, so that they are kept in
    the build cache (digests made in the processes that check or make pages are not)."""
    for paper_id in survey.papers:
        card_inputs(survey, paper_id)
        record_digest(survey, paper_id)


def record_digest(survey: Survey, paper_id: str) -> str:
    """A digest of a paper's whole record."""
    return part_digest(survey.digests_of(paper_id), "record", lambda: survey.papers[paper_id])


def card_inputs(survey: Survey, paper_id: str) -> str:
    """A digest of what a paper's card shows (made once per survey): the start of its
    abstract, so an edit further on changes none of the pages that list the paper."""

    def fields() -> tuple:
        paper = survey.papers[paper_id]
        return (
            paper_id,
            paper.title,
            paper.year,
            paper.authors,
            paper.added,
            snippet(paper.abstract),
        )

    def compute() -> str:
        shown = part_digest(survey.digests_of(paper_id), "card", fields)
        return digest((shown, topic_titles(survey, survey.paper_topics.get(paper_id, ()))))

    return _CARD_INPUTS.get(survey, paper_id, compute)


def paper_page_inputs(survey: Survey, paper_id: str) -> tuple:
    """What `paper_page` shows: the record, its neighbours, topics, related papers' cards."""
    previous, following = neighbours(survey, paper_id)
    notes = survey.notes.get(paper_id)
    return (
        site_inputs(survey),
        record_digest(survey, paper_id),
        previous,
        following,
        topic_titles(survey, survey.paper_topics.get(paper_id, ())),
        topic_titles(survey, survey.cited_by.get(paper_id, ())),
        [(pid, survey.papers[pid].title) for pid in notes.cited] if notes else None,
        [card_inputs(survey, rid) for rid in survey.related.get(paper_id, ())],
        cite_views.cite_key(survey, paper_id),
    )


def topics_inputs(survey: Survey) -> str:
    """A digest of what pages show of every topic: title, summary, place in the tree,
    papers (made once per survey)."""
    return _SITE_INPUTS.get(
        survey,
        "topics",
        lambda: digest(
            [
                (slug, t.title, t.summary, t.parent, survey.members[slug])
                for slug, t in survey.topics.items()
            ]
        ),
    )


def topic_page_inputs(survey: Survey, slug: str) -> tuple:
    """What `topic_page` shows: the topic tree, the narrative's citations, the listed cards."""
    narrative = survey.narratives.get(slug)
    return (
        site_inputs(survey),
        topics_inputs(survey),
        survey.topics[slug],
        [(pid, survey.papers[pid].title) for pid in narrative.cited] if narrative else None,
        [
            (
                section.title,
                section.note,
                [(p.paper_id, p.note, card_inputs(survey, p.paper_id)) for p in section.papers],
            )
            for section in survey.sections[slug]
        ],
    )


def topics_index_inputs(survey: Survey) -> tuple:
    """What `topics_index_page` shows: the topic tree."""
    return site_inputs(survey), topics_inputs(survey)


def home_inputs(survey: Survey) -> tuple:
    """What `home_page` shows: the home text's citations, the topic tree, recent papers."""
    cited = survey.home.cited if survey.home else ()
    return (
        site_inputs(survey),
        topics_inputs(survey),
        [(pid, survey.papers[pid].title) for pid in cited],
        [card_inputs(survey, p.id) for p in recent_papers(survey)],
    )


def map_inputs(survey: Survey) -> tuple:
    """What `map_page` shows: every paper's title, topics and position, and the topic tree."""
    return (
        site_inputs(survey),
        topics_inputs(survey),
        [(pid, p.title, survey.paper_topics.get(pid)) for pid, p in survey.papers.items()],
        survey.positions,
    )


def papers_index_inputs(survey: Survey) -> tuple:
    """What `papers_index_page` shows: every card, with the facets' topics and sources."""
    return (
        site_inputs(survey),
        [(t.slug, t.title, t.parent) for t in survey.topics.values()],
        [(card_inputs(survey, pid), p.sources) for pid, p in survey.papers.items()],
    )
