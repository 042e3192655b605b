"""The typed content model: papers, topics and the site's settings, as read from content/."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter


class Plain:
    """Pickled as the tuple of its fields (several times faster to load than a dataclass's
    `__dict__`: the build cache holds a record for every content file)."""

    def __reduce__(self):
        cls = self.__class__
        getter = _FIELD_GETTERS.get(cls)
        if getter is None:  # every record has two fields or more: attrgetter gives a tuple
            getter = _FIELD_GETTERS[cls] = attrgetter(*(f.name for f in fields(cls)))
        return cls, getter(self)


_FIELD_GETTERS: dict[type, attrgetter] = {}

LINK_FIELDS = ("url", "pdf", "code")


@dataclass(frozen=True)
class Paper(Plain):
    """One paper record, `content/papers/<id>.yaml`."""

    id: str
    title: str
    abstract: str
    path: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    pdf: str | None = None
    code: str | None = None
    topics: tuple[str, ...] = ()
    added: date | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, name: str) -> int:
        """The line of a field in the record's file (1 when unknown)."""
        return self.lines.get(name, 1)


@dataclass(frozen=True)
class TopicEntry(Plain):
    """A paper a topic lists by hand, with an optional one-line note."""

    paper_id: str
    line: int
    note: str | None = None


@dataclass(frozen=True)
class TopicSection(Plain):
    """A named group of listed papers on a topic page (title None: ungrouped)."""

    title: str | None
    entries: tuple[TopicEntry, ...]
    note: str | None = None


@dataclass(frozen=True)
class MatchRule(Plain):
    """A phrase that pulls papers into a topic: in `title`, `abstract` or `any`."""

    phrase: str
    field: str
    line: int


@dataclass(frozen=True)
class Topic(Plain):
    """One topic page, `content/topics/<slug>.md`."""

    slug: str
    title: str
    summary: str
    path: str
    body: str = ""
    body_line: int = 1
    parent: str | None = None
    order: int = 0
    sections: tuple[TopicSection, ...] = ()
    match: tuple[MatchRule, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, name: str) -> int:
        """The line of a front-matter field (1 when unknown)."""
        return self.lines.get(name, 1)


@dataclass(frozen=True)
class SiteConfig(Plain):
    """Site-wide settings, `content/site.yaml`, and the home page text `content/home.md`."""

    title: str
    description: str
    path: str = "content/site.yaml"
    base_url: str = ""
    repository: str = ""
    branch: str = "main"
    maintainer: str = ""
    home_body: str = ""
    home_path: str = "content/home.md"
    home_body_line: int = 1
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Content:
    """Everything read from content/, typed and checked field by field."""

    site: SiteConfig
    papers: tuple[Paper, ...]
    topics: tuple[Topic, ...]
    # record path -> digests of parts of that record, by kind (see build_cache.part_digest);
    # kept in the build cache with the record, so an unchanged record's are not made again
    digests: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)
