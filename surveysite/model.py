"""Stage 3: the survey model: topics' papers, main topics, citations and backlinks.

Cross-references are checked here, every problem collected with its file and line.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from markdown_it.token import Token

from . import markup
from .problems import Problem, did_you_mean
from .records import Content, Paper, SiteConfig, Topic
from .slugs import normalize_title

MORE_PAPERS = "More papers on this topic"


@dataclass(frozen=True)
class ListedPaper:
    """A paper as a topic lists it, with the curator's one-line note."""

    paper_id: str
    note: str | None = None


@dataclass(frozen=True)
class Section:
    """A group of papers on a topic page."""

    title: str | None
    papers: tuple[ListedPaper, ...]
    note: str | None = None


@dataclass(frozen=True)
class Narrative:
    """A Markdown text (topic narrative or home page) parsed once, with its citations."""

    tokens: list[Token]
    cited: tuple[str, ...]  # unique paper ids in order of first citation


@dataclass
class Survey:
    """The whole survey, cross-referenced, in display order."""

    site: SiteConfig
    papers: dict[str, Paper]  # by id, sorted by title
    topics: dict[str, Topic]  # by slug, in tree order
    sections: dict[str, tuple[Section, ...]] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    paper_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # main topic first
    narratives: dict[str, Narrative] = field(default_factory=dict)
    home: Narrative | None = None
    notes: dict[str, Narrative] = field(default_factory=dict)  # each paper's notes, parsed
    cited_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    matched_by: dict[str, tuple[str, ...]] = field(default_factory=dict)  # paper -> topics by rule
    newest_added: date | None = None
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # most similar first
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)  # map, in [0, 1]
    # paper id -> digests of parts of its record, kept with it in the build cache (see
    # Content.digests): what an incremental build compares instead of the records themselves
    digests: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def digests_of(self, paper_id: str) -> dict[str, str]:
        """The digests kept with a paper's record (see `digests`)."""
        return self.digests.setdefault(paper_id, {})

    def main_topic(self, paper_id: str) -> str | None:
        """The topic a paper's page leads with."""
        topics = self.paper_topics.get(paper_id, ())
        return topics[0] if topics else None

    def subtree_papers(self, slug: str) -> set[str]:
        """Papers of a topic and all its sub-topics."""
        found, todo, seen = set(), [slug], set()
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                found.update(self.members[current])
                todo.extend(self.children[current])
        return found


def build_model(
    content: Content, problems: list[Problem], unreadable: frozenset[str] = frozenset()
) -> Survey:
    """Cross-reference the content; `unreadable` ids are already reported, so not re-reported."""
    papers = dict(
        sorted(((p.id, p) for p in content.papers), key=lambda item: title_key(item[1].title))
    )
    check_duplicates(content.papers, problems)
    topics = {t.slug: t for t in content.topics}
    check_parents(topics, problems)
    newest = max((p.added for p in content.papers if p.added), default=None)
    survey = Survey(content.site, papers, order_topics(topics), newest_added=newest)
    survey.digests = {pid: content.digests.setdefault(p.path, {}) for pid, p in papers.items()}
    known = set(papers) | set(unreadable)
    collect_members(survey, known, problems)
    collect_narratives(survey, known, problems)
    return survey


@functools.lru_cache(maxsize=1 << 17)
def title_key(title: str) -> tuple[str, str]:
    """Sort titles alphabetically, ignoring case and leading punctuation."""
    return (re.sub(r"^\W+", "", title).casefold(), title)


def check_duplicates(papers: tuple[Paper, ...], problems: list[Problem]) -> None:
    """Two records for one paper: same normalised title, arXiv id or DOI."""
    keys = {
        "title": lambda p: normalize_title(p.title),
        "arxiv": lambda p: re.sub(r"v\d+$", "", p.arxiv) if p.arxiv else None,
        "doi": lambda p: p.doi.lower() if p.doi else None,
    }
    in_path_order = sorted(papers, key=lambda p: p.path)
    for name, key in keys.items():
        seen: dict[str, Paper] = {}
        for paper in in_path_order:
            value = key(paper)
            if not value:
                continue
            if value in seen:
                first = seen[value]
                message = f"same {name} as {first.path}: two records for one paper; merge them"
                problems.append(Problem(paper.path, paper.line(name), name, message))
            else:
                seen[value] = paper


def check_parents(topics: dict[str, Topic], problems: list[Problem]) -> None:
    """Every parent exists and no topic is its own ancestor."""
    for topic in topics.values():
        if topic.parent and topic.parent not in topics:
            hint = did_you_mean(topic.parent, topics)
            message = (
                f"no topic '{topic.parent}' (expected the slug of a file in content/topics/){hint}"
            )
            problems.append(Problem(topic.path, topic.line("parent"), "parent", message))
        seen = {topic.slug}
        parent = topic.parent
        while parent in topics:
            if parent in seen:
                message = f"parents form a cycle through '{parent}'; expected a tree of topics"
                problems.append(Problem(topic.path, topic.line("parent"), "parent", message))
                break
            seen.add(parent)
            parent = topics[parent].parent


def order_topics(topics: dict[str, Topic]) -> dict[str, Topic]:
    """Topics depth-first: each parent followed by its children, siblings by order then title."""

    def sort_key(topic: Topic):
        return (topic.order, title_key(topic.title), topic.slug)

    roots = [
        t for t in topics.values() if not t.parent or t.parent not in topics or in_cycle(t, topics)
    ]
    ordered: dict[str, Topic] = {}

    def visit(topic: Topic) -> None:
        if topic.slug in ordered:
            return
        ordered[topic.slug] = topic
        kids = [t for t in topics.values() if t.parent == topic.slug]
        for child in sorted(kids, key=sort_key):
            visit(child)

    for root in sorted(roots, key=sort_key):
        visit(root)
    return ordered


def in_cycle(topic: Topic, topics: dict[str, Topic]) -> bool:
    """Whether following parents from `topic` loops."""
    seen, parent = {topic.slug}, topic.parent
    while parent in topics:
        if parent in seen:
            return True
        seen.add(parent)
        parent = topics[parent].parent
    return False


def collect_members(survey: Survey, known: set[str], problems: list[Problem]) -> None:
    """Each topic's papers: curated sections, then papers that name it or match its rules."""
    topics, papers = survey.topics, survey.papers
    claimed: dict[str, list[str]] = defaultdict(list)
    for paper in papers.values():
        for slug in paper.topics:
            if slug in topics:
                claimed[slug].append(paper.id)
            else:
                message = f"no topic '{slug}'{did_you_mean(slug, topics)}"
                problems.append(Problem(paper.path, paper.line("topics"), "topics", message))
    matched: dict[str, list[str]] = defaultdict(list)
    for slug, topic in topics.items():
        curated = curated_sections(topic, papers, known, problems)
        listed = [entry.paper_id for section in curated for entry in section.papers]
        rule_hits = matching_papers(topic, papers) if topic.match else []
        for paper_id in rule_hits:
            matched[paper_id].append(slug)
        extra = [pid for pid in claimed[slug] + rule_hits if pid not in listed]
        extra = sorted(set(extra), key=lambda pid: title_key(papers[pid].title))
        if extra:
            title = MORE_PAPERS if curated else None
            curated.append(Section(title, tuple(ListedPaper(pid) for pid in extra)))
        survey.sections[slug] = tuple(curated)
        survey.members[slug] = tuple(dict.fromkeys(listed + extra))
        survey.children[slug] = tuple(s for s, t in topics.items() if t.parent == slug)
        survey.depth[slug] = depth_of(topic, topics)
    survey.matched_by = {pid: tuple(slugs) for pid, slugs in matched.items()}
    survey.paper_topics = paper_topics(survey)


def curated_sections(
    topic: Topic, papers: dict[str, Paper], known: set[str], problems: list[Problem]
) -> list[Section]:
    """The topic's hand-listed sections, dropping (and reporting) unknown paper ids."""
    sections, seen = [], set()
    for section in topic.sections:
        listed = []
        for entry in section.entries:
            if entry.paper_id in seen:
                message = f"'{entry.paper_id}' is listed twice in this topic"
                problems.append(Problem(topic.path, entry.line, "papers", message))
            elif entry.paper_id in papers:
                listed.append(ListedPaper(entry.paper_id, entry.note))
            elif entry.paper_id not in known:
                message = f"no paper '{entry.paper_id}' (expected a file content/papers/{entry.paper_id}.yaml){did_you_mean(entry.paper_id, papers)}"
                problems.append(Problem(topic.path, entry.line, "papers", message))
            seen.add(entry.paper_id)
        sections.append(Section(section.title, tuple(listed), section.note))
    return sections


def matching_papers(topic: Topic, papers: dict[str, Paper]) -> list[str]:
    """The papers in which one of the topic's `match` phrases occurs (whole words), in order."""
    rules = [
        (rule.field, re.compile(rf"(?<!\w){re.escape(rule.phrase)}(?!\w)", re.IGNORECASE))
        for rule in topic.match
    ]
    found = []
    for paper in papers.values():
        for field_name, pattern in rules:
            if field_name == "title":
                hit = pattern.search(paper.title)
            elif field_name == "abstract":
                hit = pattern.search(paper.abstract)
            else:
                hit = pattern.search(paper.title) or pattern.search(paper.abstract)
            if hit:
                found.append(paper.id)
                break
    return found


def depth_of(topic: Topic, topics: dict[str, Topic]) -> int:
    """How many ancestors a topic has."""
    depth, parent, seen = 0, topic.parent, {topic.slug}
    while parent in topics and parent not in seen:
        seen.add(parent)
        depth, parent = depth + 1, topics[parent].parent
    return depth


def paper_topics(survey: Survey) -> dict[str, tuple[str, ...]]:
    """Each paper's topics, main topic first: the first it names, else the first listing it."""
    found: dict[str, list[str]] = defaultdict(list)
    for slug, members in survey.members.items():
        for paper_id in members:
            found[paper_id].append(slug)
    result = {}
    for paper_id, slugs in found.items():
        named = [s for s in survey.papers[paper_id].topics if s in survey.topics]
        curated = [s for s in slugs if is_curated(survey, s, paper_id)]
        result[paper_id] = tuple(dict.fromkeys(named + curated + slugs))
    return result


def is_curated(survey: Survey, slug: str, paper_id: str) -> bool:
    """Whether the topic lists the paper by hand (not only by a rule or the paper's own list)."""
    return any(
        entry.paper_id == paper_id
        for section in survey.topics[slug].sections
        for entry in section.entries
    )


def collect_narratives(survey: Survey, known: set[str], problems: list[Problem]) -> None:
    """Parse topic narratives and the home text; check citations and links; note backlinks."""
    cited_by: dict[str, list[str]] = defaultdict(list)
    for slug, topic in survey.topics.items():
        narrative = read_narrative(topic.body, topic.path, topic.body_line, survey, known, problems)
        survey.narratives[slug] = narrative
        check_cited_members(survey, slug, narrative, problems)
        for paper_id in narrative.cited:
            cited_by[paper_id].append(slug)
    for paper in survey.papers.values():
        if paper.notes:
            first_line = paper.line("notes") + 1
            survey.notes[paper.id] = read_narrative(
                paper.notes, paper.path, first_line, survey, known, problems
            )
    site = survey.site
    survey.home = read_narrative(
        site.home_body, site.home_path, site.home_body_line, survey, known, problems
    )
    survey.cited_by = {pid: tuple(slugs) for pid, slugs in cited_by.items()}


def read_narrative(
    text: str, path: str, first_line: int, survey: Survey, known: set[str], problems: list[Problem]
) -> Narrative:
    """Parse one Markdown text and report missing citations and unsafe links."""
    tokens = markup.parse(text)
    offset = first_line
    cited = []
    for citation in markup.citations(tokens, offset):
        if citation.paper_id in survey.papers:
            cited.append(citation.paper_id)
        elif citation.paper_id not in known:
            message = f"cites '@{citation.paper_id}', but there is no such paper{did_you_mean(citation.paper_id, survey.papers)}"
            problems.append(Problem(path, citation.line, "citation", message))
    for ref, reason in markup.unsafe_links(tokens, offset):
        problems.append(Problem(path, ref.line, "link", reason))
    return Narrative(tokens, tuple(dict.fromkeys(cited)))


def check_cited_members(
    survey: Survey, slug: str, narrative: Narrative, problems: list[Problem]
) -> None:
    """Warn when a narrative cites a paper its topic does not list."""
    topic, in_topic = survey.topics[slug], survey.subtree_papers(slug)
    for citation in markup.citations(narrative.tokens, topic.body_line):
        if citation.paper_id in survey.papers and citation.paper_id not in in_topic:
            message = f"cites '@{citation.paper_id}', which is not among the papers of this topic or its sub-topics; list it under 'papers'"
            problems.append(Problem(topic.path, citation.line, "citation", message, warning=True))
