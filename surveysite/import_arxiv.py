"""Import a saved arXiv API response (an Atom feed) into paper records.

Each `<entry>` gives the id (`<id>http://arxiv.org/abs/2106.09685v2</id>`, stored without
the version), title, summary, authors, first-version year (`<published>`), DOI and journal
reference (`arxiv:doi`, `arxiv:journal_ref`, the venue). The file is parsed with expat:
no DTD, no entities from outside, nothing fetched.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from surveysite.import_common import (
    Candidate,
    ImportReport,
    clean_text,
    format_report,
    normalize_arxiv,
    normalize_link,
    normalize_year,
    paper_doi,
    read_text,
    run_import,
    tex_notes,
)

__all__ = [
    "SOURCE_PREFIX",
    "XmlNode",
    "format_arxiv_report",
    "import_arxiv",
    "parse_xml",
    "read_arxiv",
]

SOURCE_PREFIX = "arxiv"
ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"


class XmlError(ValueError):
    """The file is not well-formed XML, or declares a DTD; carries the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class XmlNode:
    """An element: namespaced tag (`{ns}name`), attributes, text, children, start line."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[XmlNode] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def find_all(self, tag: str) -> list[XmlNode]:
        return [child for child in self.children if child.tag == tag]

    def find_text(self, tag: str) -> str:
        found = self.find_all(tag)
        return found[0].text if found else ""


def parse_xml(text: str) -> XmlNode:
    """Parse XML into nodes with line numbers; a DTD is refused (no entity tricks)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    stack: list[XmlNode] = []
    root: list[XmlNode] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = "{" + name if "}" in name else name
        node = XmlNode(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    def doctype(*_args: object) -> None:
        raise XmlError(
            "a DOCTYPE is not allowed in an arXiv API response", parser.CurrentLineNumber
        )

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler, parser.StartDoctypeDeclHandler = chars, doctype
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise XmlError(xml.parsers.expat.ErrorString(exc.code), exc.lineno) from None
    return root[0]


def read_arxiv(path: Path, report: ImportReport) -> list[Candidate] | None:
    """Every entry of a saved arXiv API response as a candidate; None if none is usable."""
    text = read_text(path, report)
    if text is None:
        return None
    try:
        feed = parse_xml(text)
    except XmlError as exc:
        report.problems.append(f"{path}:{exc.line}: not well-formed XML: {exc}")
        return None
    if feed.tag != f"{{{ATOM}}}feed":
        report.problems.append(f"{path}:{feed.line}: not an arXiv API response (no Atom <feed>)")
        return None
    entries = feed.find_all(f"{{{ATOM}}}entry")
    candidates = [c for e in entries if (c := _candidate(e, f"{path}:{e.line}", report))]
    if not entries:
        report.problems.append(f"{path}:{feed.line}: no <entry> in the feed")
        return None
    return candidates


def _candidate(entry: XmlNode, where: str, report: ImportReport) -> Candidate | None:
    """One entry's paper; an API error entry or an entry without id or title is skipped."""
    ident = entry.find_text(f"{{{ATOM}}}id").strip()
    raw_title = entry.find_text(f"{{{ATOM}}}title")
    if "/api/errors" in ident:
        message = " ".join(entry.find_text(f"{{{ATOM}}}summary").split())
        report.problems.append(f"{where}: the arXiv API answered with an error: {message}")
        return None
    arxiv = normalize_arxiv(re.sub(r"^https?://arxiv\.org/abs/", "", ident))
    title, title_issues = clean_text(raw_title)
    if not arxiv or not title:
        missing = "an arXiv <id>" if not arxiv else "a <title>"
        report.problems.append(f"{where}: entry without {missing}; skipped")
        return None
    raw_abstract = entry.find_text(f"{{{ATOM}}}summary")
    abstract, abstract_issues = clean_text(raw_abstract)
    notes = tex_notes(f"{where}: title", raw_title, title_issues)
    notes += tex_notes(f"{where}: abstract", raw_abstract, abstract_issues)
    fields = {
        "authors": _authors(entry),
        "year": normalize_year(entry.find_text(f"{{{ATOM}}}published")),
        "venue": clean_text(entry.find_text(f"{{{ARXIV}}}journal_ref"))[0] or None,
        "arxiv": arxiv,
        "doi": paper_doi(entry.find_text(f"{{{ARXIV}}}doi")),
        "pdf": _pdf_link(entry),
    }
    return Candidate(title, where, abstract or None, fields, tuple(notes))


def _authors(entry: XmlNode) -> tuple[str, ...]:
    names = (author.find_text(f"{{{ATOM}}}name") for author in entry.find_all(f"{{{ATOM}}}author"))
    return tuple(name for raw in names if (name := clean_text(raw)[0]))


def _pdf_link(entry: XmlNode) -> str | None:
    """The PDF link, unless it is the arXiv PDF the site derives from the id anyway."""
    for node in entry.find_all(f"{{{ATOM}}}link"):
        href = node.attrs.get("href", "")
        if node.attrs.get("title") == "pdf" and "arxiv.org/pdf/" not in href:
            return normalize_link(href)
    return None


def import_arxiv(files: list[Path], papers_dir: Path, *, added: date) -> ImportReport:
    """Import saved arXiv API responses into ``papers_dir``; plan everything, then write."""
    return run_import(files, papers_dir, added=added, prefix=SOURCE_PREFIX, read=read_arxiv)


def format_arxiv_report(report: ImportReport) -> str:
    """The curator's summary of an arXiv import."""
    return format_report(report, "arXiv API responses")
