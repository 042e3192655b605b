"""Import text dumps of Hugging Face Daily Papers pages into paper records.

A dump is the page's text: some boilerplate ("Subscribe", "Daily Papers", dates), then
each paper as a title line followed by its abstract line, with or without blank lines
between them. New papers get a record ``content/papers/<id>.yaml``; papers already
there (same title up to case, accents, TeX, punctuation) only gain the dump as a source.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from surveysite.import_common import (
    Candidate,
    ImportReport,
    clean_text,
    read_text,
    run_import,
    tex_notes,
)
from surveysite.import_common import format_report as common_format_report
from surveysite.import_common import source_name as common_source_name

__all__ = [
    "SOURCE_PREFIX",
    "HfEntry",
    "ImportReport",
    "ParseResult",
    "format_report",
    "import_hf_papers",
    "parse_hf_listing",
    "source_name",
]

log = logging.getLogger(__name__)

SOURCE_PREFIX = "hf-daily-papers"
_HEADER_PHRASES = (
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
    "by AK and the research community",
    "byAK and the research community",
    "Daily Papers",
    "Subscribe",
)
_BOILERPLATE = frozenset(p.casefold() for p in (*_HEADER_PHRASES, "new"))
_DATE_RE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?",
    re.IGNORECASE,
)
_MAX_TITLE = 300  # characters; longer lines are abstracts
_MIN_ABSTRACT = 200  # characters; shorter lines are abstracts only if they end a sentence
_CLOSERS = ")]\"'\u201d\u2019"


# --- parsing ------------------------------------------------------------------------


@dataclass(frozen=True)
class HfEntry:
    """One paper of a listing, as written there (TeX not yet converted)."""

    title: str
    abstract: str
    line: int
    abstract_line: int


@dataclass
class ParseResult:
    """The papers of one listing and the ``path:line: message`` problems found."""

    entries: list[HfEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_hf_listing(text: str, path: str) -> ParseResult:
    """Split a Daily Papers dump into (title, abstract) entries; report stray lines."""
    result = _pair_lines(_content_lines(text), path)
    if not result.entries:
        result.problems.append(f"{path}:1: no papers found (expected title and abstract lines)")
    return result


def _content_lines(text: str) -> list[tuple[int, str]]:
    """Return (line number, text) of the lines that are not page boilerplate."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not lines:  # the page header may be glued to the first title
            line = _strip_header(line)
        if line and not _is_boilerplate(line):
            lines.append((number, line))
    return lines


def _strip_header(line: str) -> str:
    """Remove page-header phrases glued to the front of ``line``."""
    stripped = True
    while stripped:
        stripped = False
        for phrase in _HEADER_PHRASES:
            if line.startswith(phrase) and len(line) > len(phrase):
                line, stripped = line[len(phrase) :].strip(), True
    return line


def _is_boilerplate(line: str) -> bool:
    return " ".join(line.split()).casefold() in _BOILERPLATE or bool(_DATE_RE.fullmatch(line))


def _pair_lines(lines: list[tuple[int, str]], path: str) -> ParseResult:
    """Pair each title line with the abstract line after it."""
    result = ParseResult()
    pending: tuple[int, str] | None = None
    for i, (number, line) in enumerate(lines):
        after = lines[i + 1][1] if i + 1 < len(lines) else None
        if pending is None and _is_title(line):
            pending = (number, line)
        elif pending is None:
            result.problems.append(f"{path}:{number}: text without a title: {_preview(line)}")
        elif _is_abstract_here(line, after):
            result.entries.append(HfEntry(pending[1], line, pending[0], number))
            pending = None
        else:
            result.problems.append(_no_abstract(path, pending))
            pending = (number, line)
    if pending is not None:
        result.problems.append(_no_abstract(path, pending))
    return result


def _is_title(line: str) -> bool:
    return len(line) <= _MAX_TITLE and not line.rstrip(_CLOSERS).endswith(".")


def _is_abstract(line: str) -> bool:
    ends_sentence = line.rstrip(_CLOSERS).endswith(".") and len(line.split()) >= 5
    return len(line) >= _MIN_ABSTRACT or ends_sentence


def _is_abstract_here(line: str, after: str | None) -> bool:
    """Tell whether ``line`` is the abstract of the title before it.

    A long line without a final period could be either; if a clear abstract follows,
    it is the next paper's title and the pending title has no abstract.
    """
    if not _is_abstract(line):
        return False
    next_is_abstract = after is not None and _is_abstract(after) and not _is_title(after)
    return not (_is_title(line) and next_is_abstract)


def _no_abstract(path: str, pending: tuple[int, str]) -> str:
    return f"{path}:{pending[0]}: title without an abstract: {_preview(pending[1])}"


def _preview(line: str, width: int = 70) -> str:
    return repr(line if len(line) <= width else line[: width - 1] + "\u2026")


# --- importing ----------------------------------------------------------------------


def source_name(path: Path) -> str:
    """Return the source name recorded for a dump, e.g. ``hf-daily-papers/000_x``."""
    return common_source_name(SOURCE_PREFIX, path)


def import_hf_papers(files: list[Path], papers_dir: Path, *, added: date) -> ImportReport:
    """Import the dumps ``files`` into ``papers_dir``; plan everything, then write."""
    return run_import(files, papers_dir, added=added, prefix=SOURCE_PREFIX, read=_read_entries)


def _read_entries(path: Path, report: ImportReport) -> list[Candidate] | None:
    """Read and parse one dump; a dump with no entries counts as failed (None)."""
    text = read_text(path, report)
    if text is None:
        return None
    parsed = parse_hf_listing(text, str(path))
    report.problems.extend(parsed.problems)
    return [_candidate(entry, path) for entry in parsed.entries] or None


def _candidate(entry: HfEntry, path: Path) -> Candidate:
    """An entry with its TeX converted; TeX left over becomes notes for a new record."""
    title, title_issues = clean_text(entry.title)
    abstract, abstract_issues = clean_text(entry.abstract)
    notes = tex_notes(f"{path}:{entry.line}: title", entry.title, title_issues)
    notes += tex_notes(f"{path}:{entry.abstract_line}: abstract", entry.abstract, abstract_issues)
    return Candidate(title, f"{path}:{entry.line}", abstract, notes=tuple(notes))


def format_report(report: ImportReport) -> str:
    """Return the summary a curator reads: counts, then each problem and warning."""
    return common_format_report(report, "Hugging Face Daily Papers")
