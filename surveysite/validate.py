"""Stage 2: check every field of every raw document and build the typed records."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .load_content import RawContent, RawDocument, StubDocument
from .problems import Problem, did_you_mean
from .records import Content, MatchRule, Paper, SiteConfig, Topic, TopicEntry, TopicSection
from .urls import SAFE_SLUG, unsafe_link_reason

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
MATCH_FIELDS = ("title", "abstract")


class FieldError(ValueError):
    """A field's value has the wrong type or form; the message says what was expected."""


def text(value: Any) -> str:
    """A non-empty string."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(f"expected text, got {describe(value)}")
    if isinstance(value, (int, float)):
        raise FieldError(f"expected text, got the number {value}; put it in quotes")
    if not value.strip():
        raise FieldError("is empty; expected text")
    return value.strip()


def text_list(value: Any) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if isinstance(value, str):
        raise FieldError("expected a list (one '- item' per line), got one string")
    if not isinstance(value, list):
        raise FieldError(f"expected a list, got {describe(value)}")
    items = []
    for index, item in enumerate(value, start=1):
        try:
            items.append(text(item))
        except FieldError as error:
            raise FieldError(f"item {index} {error}") from None
    return tuple(items)


def slug_list(value: Any) -> tuple[str, ...]:
    """A list of topic slugs."""
    slugs = text_list(value)
    for slug in slugs:
        if not SAFE_SLUG.match(slug):
            raise FieldError(f"'{slug}' is not a topic slug (lowercase letters, digits, hyphens)")
    return slugs


def year(value: Any) -> int:
    """A four-digit year."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 2999:
        raise FieldError(f"expected a year such as 2024, got {describe(value)}")
    return value


def integer(value: Any) -> int:
    """A whole number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"expected a whole number, got {describe(value)}")
    return value


def day(value: Any) -> date:
    """A date written YYYY-MM-DD."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(text(value))
    except (ValueError, FieldError):
        raise FieldError(f"expected a date YYYY-MM-DD, got {describe(value)}") from None


def link(value: Any) -> str:
    """An http(s) URL."""
    url = text(value)
    reason = unsafe_link_reason(url)
    if reason:
        raise FieldError(reason)
    if not url.startswith(("https://", "http://")):
        raise FieldError(f"expected an http(s) URL, got '{url}'")
    return url


def arxiv_id(value: Any) -> str:
    """An arXiv identifier such as 2106.09685."""
    ident = str(value).strip() if isinstance(value, (str, float)) else text(value)
    if not ARXIV_ID.match(ident):
        raise FieldError(f"expected an arXiv id such as 2106.09685 (quote it), got '{ident}'")
    return ident


def doi(value: Any) -> str:
    """A DOI such as 10.1000/xyz123."""
    ident = text(value)
    if not DOI.match(ident):
        raise FieldError(f"expected a DOI such as 10.1000/xyz123, got '{ident}'")
    return ident


def describe(value: Any) -> str:
    """Name a YAML value for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


@dataclass(frozen=True)
class FieldSpec:
    """How one field is checked and converted."""

    convert: Callable[[Any], Any]
    required: bool = False


PAPER_FIELDS = {
    "title": FieldSpec(text, required=True),
    "abstract": FieldSpec(text, required=True),
    "authors": FieldSpec(text_list),
    "year": FieldSpec(year),
    "venue": FieldSpec(text),
    "arxiv": FieldSpec(arxiv_id),
    "doi": FieldSpec(doi),
    "url": FieldSpec(link),
    "pdf": FieldSpec(link),
    "code": FieldSpec(link),
    "topics": FieldSpec(slug_list),
    "added": FieldSpec(day),
    "sources": FieldSpec(text_list),
    "notes": FieldSpec(text),
}
TOPIC_FIELDS = {
    "title": FieldSpec(text, required=True),
    "summary": FieldSpec(text, required=True),
    "parent": FieldSpec(text),
    "order": FieldSpec(integer),
    "papers": FieldSpec(lambda value: value),
    "match": FieldSpec(lambda value: value),
}
SITE_FIELDS = {
    "title": FieldSpec(text, required=True),
    "description": FieldSpec(text, required=True),
    "base_url": FieldSpec(link),
    "repository": FieldSpec(link),
    "branch": FieldSpec(text),
    "maintainer": FieldSpec(text),
}


def check_fields(doc: RawDocument, specs: dict[str, FieldSpec], problems: list[Problem]) -> dict:
    """Convert the fields of `doc` by `specs`; report missing, wrong and unknown fields."""
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        raw = doc.data.get(name)
        if raw is None or (raw == "" and not spec.required):
            if spec.required:
                message = (
                    "is empty; expected a value"
                    if name in doc.data
                    else "required field is missing"
                )
                problems.append(Problem(doc.path, doc.data.lines.get(name, 1), name, message))
            continue
        try:
            values[name] = spec.convert(raw)
        except FieldError as error:
            problems.append(Problem(doc.path, doc.data.lines[name], name, str(error)))
    for name in doc.data:
        if name not in specs:
            hint = did_you_mean(name, specs) or f" (known fields: {', '.join(specs)})"
            problems.append(
                Problem(doc.path, doc.data.lines[name], name, f"unknown field{hint}", warning=True)
            )
    return values


def check_id(doc: RawDocument, kind: str, problems: list[Problem]) -> bool:
    """A paper id or topic slug (the file name) must be URL-safe."""
    if SAFE_SLUG.match(doc.stem):
        return True
    message = (
        f"file name '{doc.stem}' is not a valid {kind}: use lowercase a-z, 0-9 and single hyphens"
    )
    problems.append(Problem(doc.path, 1, "", message))
    return False


def validate_paper(doc: RawDocument, problems: list[Problem]) -> Paper | None:
    """Build a Paper from a raw record, or None when it has errors."""
    before = count_errors(problems)
    safe = check_id(doc, "paper id", problems)
    values = check_fields(doc, PAPER_FIELDS, problems)
    if not safe or count_errors(problems) > before:
        return None
    return Paper(id=doc.stem, path=doc.path, lines=dict(doc.data.lines), **values)


def validate_topic(doc: RawDocument, problems: list[Problem]) -> Topic | None:
    """Build a Topic from a raw page, or None when it has errors."""
    before = count_errors(problems)
    safe = check_id(doc, "topic slug", problems)
    values = check_fields(doc, TOPIC_FIELDS, problems)
    if "parent" in values and not SAFE_SLUG.match(values["parent"]):
        problems.append(
            Problem(doc.path, doc.data.lines["parent"], "parent", "expected a topic slug")
        )
    sections = parse_sections(doc, values.pop("papers", None), problems)
    rules = parse_match(doc, values.pop("match", None), problems)
    if not safe or count_errors(problems) > before:
        return None
    return Topic(
        slug=doc.stem,
        path=doc.path,
        body=doc.body,
        body_line=doc.body_line,
        sections=sections,
        match=rules,
        lines=dict(doc.data.lines),
        **values,
    )


def parse_sections(
    doc: RawDocument, value: Any, problems: list[Problem]
) -> tuple[TopicSection, ...]:
    """Read `papers`: ids, `{id, note}` items, and `{section, note, papers}` groups."""
    if value is None:
        return ()
    line = doc.data.lines["papers"]
    if not isinstance(value, list):
        problems.append(
            Problem(
                doc.path,
                line,
                "papers",
                f"expected a list of paper ids or sections, got {describe(value)}",
            )
        )
        return ()
    sections: list[TopicSection] = []
    loose: list[TopicEntry] = []
    for item, item_line in zip(value, value.lines, strict=True):
        if isinstance(item, dict) and "section" in item:
            sections.append(parse_section(doc, item, item_line, problems))
        else:
            entry = parse_entry(doc, item, item_line, problems)
            if entry:
                loose.append(entry)
    if loose:
        sections.insert(0, TopicSection(None, tuple(loose)))
    return tuple(sections)


def parse_section(doc: RawDocument, item: dict, line: int, problems: list[Problem]) -> TopicSection:
    """Read one `{section: Name, note: ..., papers: [...]}` group."""
    for key in item:
        if key not in ("section", "note", "papers"):
            hint = did_you_mean(key, ("section", "note", "papers"))
            problems.append(
                Problem(
                    doc.path, item.lines[key], "papers", f"unknown key '{key}' in a section{hint}"
                )
            )
    title, note = item.get("section"), item.get("note")
    if not isinstance(title, str) or not title.strip():
        problems.append(
            Problem(doc.path, line, "papers", "expected a section name after 'section:'")
        )
        title = ""
    if note is not None and not isinstance(note, str):
        problems.append(
            Problem(doc.path, item.lines["note"], "papers", "expected the section note as text")
        )
        note = None
    papers = item.get("papers")
    if not isinstance(papers, list):
        problems.append(
            Problem(doc.path, line, "papers", f"section '{title}' needs a 'papers:' list of ids")
        )
        papers = []
    entries = (
        parse_entry(doc, entry, entry_line, problems)
        for entry, entry_line in zip(papers, getattr(papers, "lines", []), strict=False)
    )
    return TopicSection(title.strip(), tuple(e for e in entries if e), note)


def parse_entry(
    doc: RawDocument, item: Any, line: int, problems: list[Problem]
) -> TopicEntry | None:
    """Read one listed paper: `id` or `{id: ..., note: ...}`."""
    if isinstance(item, str) and item.strip():
        return TopicEntry(item.strip(), line)
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        note = item.get("note")
        unknown = [k for k in item if k not in ("id", "note")]
        if unknown or (note is not None and not isinstance(note, str)):
            problems.append(
                Problem(doc.path, line, "papers", "expected 'id:' and an optional 'note:' text")
            )
            return None
        return TopicEntry(item["id"].strip(), line, note.strip() if note else None)
    problems.append(Problem(doc.path, line, "papers", f"expected a paper id, got {describe(item)}"))
    return None


def parse_match(doc: RawDocument, value: Any, problems: list[Problem]) -> tuple[MatchRule, ...]:
    """Read `match`: phrases, optionally prefixed `title:` or `abstract:`."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(
            Problem(doc.path, doc.data.lines["match"], "match", "expected a list of phrases")
        )
        return ()
    rules = []
    for item, line in zip(value, value.lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                Problem(doc.path, line, "match", f"expected a phrase, got {describe(item)}")
            )
            continue
        field, _, phrase = item.partition(":")
        if phrase and field.strip() in MATCH_FIELDS:
            rules.append(MatchRule(phrase.strip().lower(), field.strip(), line))
        else:
            rules.append(MatchRule(item.strip().lower(), "any", line))
    return tuple(rules)


def validate_site(raw: RawContent, problems: list[Problem]) -> SiteConfig:
    """Build the SiteConfig; a broken or missing file still yields a usable default."""
    values = check_fields(raw.site, SITE_FIELDS, problems) if raw.site and raw.site.data else {}
    for name in ("base_url", "repository"):
        override = os.environ.get(f"SURVEYSITE_{name.upper()}")
        if override:
            values[name] = override
    values.setdefault("title", "Survey")
    values.setdefault("description", "")
    values["base_url"] = values.get("base_url", "").rstrip("/")
    if raw.home and raw.home.data is not None:
        values.update(
            home_body=raw.home.body, home_path=raw.home.path, home_body_line=raw.home.body_line
        )
    lines = dict(raw.site.data.lines) if raw.site and raw.site.data else {}
    return SiteConfig(lines=lines, **values)


def check_unique_ids(documents: list[RawDocument], kind: str, problems: list[Problem]) -> None:
    """Two files with one id (`x.yaml` and `x.yml`) would be one page."""
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.stem in seen:
            message = (
                f"duplicate {kind} '{doc.stem}': {seen[doc.stem]} has it too; rename or merge one"
            )
            problems.append(Problem(doc.path, 1, "", message))
        else:
            seen[doc.stem] = doc.path


def count_errors(problems: list[Problem]) -> int:
    """How many of `problems` are errors (not warnings)."""
    return sum(not p.warning for p in problems)


# path -> (document, record, its problems, digests of parts of the record: see Content.digests)
ValidatedCache = dict[str, tuple[RawDocument, Any, list[Problem], dict[str, str]]]


def validate(
    raw: RawContent, problems: list[Problem], memo: ValidatedCache | None = None
) -> Content:
    """Type-check all raw documents; report every problem, keep every valid record.

    With a `memo` (path -> document, its record, problems and digests), a document that is
    the very object validated last time (an unchanged file, from the load cache) is not
    checked again, and its record keeps the digests computed of it then.
    """
    check_unique_ids(raw.papers, "paper id", problems)
    check_unique_ids(raw.topics, "topic slug", problems)
    known = dict(memo or {})
    if memo is not None:
        memo.clear()

    digests: dict[str, dict[str, str]] = {}

    def checked(doc: RawDocument, check: Callable) -> Any:
        entry = known.get(doc.path)
        if entry is None or entry[0] is not doc:
            if doc.stub:
                raise StubDocument(doc.path)
            found: list[Problem] = []
            entry = (doc, check(doc, found), found, {})
        if memo is not None:
            memo[doc.path] = entry
        result, found = entry[1], entry[2]
        problems.extend(found)
        if result:
            digests[doc.path] = entry[3]
        return result

    papers = [checked(doc, validate_paper) for doc in raw.papers if doc.data is not None]
    topics = [checked(doc, validate_topic) for doc in raw.topics if doc.data is not None]
    return Content(
        site=validate_site(raw, problems),
        papers=tuple(p for p in papers if p),
        topics=tuple(t for t in topics if t),
        digests=digests,
    )
