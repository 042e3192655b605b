"""Import text dumps of Hugging Face Daily Papers pages into paper records.

A dump is the page's text: some boilerplate ("Subscribe", "Daily Papers", dates), then
each paper as a title line followed by its abstract line, with or without blank lines
between them. New papers get a record ``content/papers/<id>.yaml``; papers already
there (same title up to case, accents, TeX, punctuation) only gain the dump as a source.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from surveysite.records_yaml import RecordEditError, append_to_list, dump_record
from surveysite.slugs import normalize_title, slugify
from surveysite.tex import convert_tex, find_tex_residue

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


@dataclass
class ImportReport:
    """What an import did; ``added``/``merged``/``unchanged`` hold one id per entry."""

    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files_failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Record:
    """A paper record as planned: existing (with its file text) or new."""

    id: str
    path: Path
    data: dict[str, Any]
    text: str | None = None  # current text of an existing file; None for a new record
    original: str | None = None

    def sources(self) -> list[Any]:
        value = self.data.get("sources")
        return value if isinstance(value, list) else []


@dataclass
class _Catalog:
    """Records by normalized title, and the ids that are taken."""

    papers_dir: Path
    by_title: dict[str, _Record] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def new_id(self, title: str) -> str:
        base = slugify(title)
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate


def source_name(path: Path) -> str:
    """Return the source name recorded for a dump, e.g. ``hf-daily-papers/000_x``."""
    return f"{SOURCE_PREFIX}/{path.stem}"


def import_hf_papers(files: list[Path], papers_dir: Path, *, added: date) -> ImportReport:
    """Import the dumps ``files`` into ``papers_dir``; plan everything, then write."""
    report = ImportReport()
    catalog = _load_catalog(papers_dir, report)
    for path in files:
        for entry in _read_entries(Path(path), report):
            _import_entry(entry, Path(path), catalog, added, report)
    _write_records(catalog)
    return report


def _load_catalog(papers_dir: Path, report: ImportReport) -> _Catalog:
    """Read the existing records; every ``*.yaml`` name counts as a taken id."""
    catalog = _Catalog(papers_dir)
    for path in sorted(papers_dir.glob("*.yaml")):
        catalog.taken.add(path.stem)
        record = _load_record(path, report)
        if record is None:
            continue
        key = normalize_title(record.data["title"])
        if key in catalog.by_title:
            other = catalog.by_title[key].path
            report.problems.append(f"{path}:1: same title as {other}; new sources go there")
        else:
            catalog.by_title[key] = record
    return catalog


def _load_record(path: Path, report: ImportReport) -> _Record | None:
    """Load one existing record, or report why it cannot take part in matching."""
    try:
        text = path.read_bytes().decode("utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append(f"{path}:1: cannot read: {exc}")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        report.problems.append(f"{path}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        report.problems.append(f"{path}:1: not a paper record with a title; skipped")
        return None
    return _Record(path.stem, path, data, text, text)


def _read_entries(path: Path, report: ImportReport) -> list[HfEntry]:
    """Read and parse one dump; a dump with no entries counts as failed."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        report.problems.append(f"{path}:1: cannot read: {exc.strerror or exc}")
        report.files_failed.append(str(path))
        return []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.problems.append(f"{path}:{line}: not UTF-8 text ({exc.reason})")
        report.files_failed.append(str(path))
        return []
    parsed = parse_hf_listing(text, str(path))
    report.problems.extend(parsed.problems)
    if not parsed.entries:
        report.files_failed.append(str(path))
    return parsed.entries


def _import_entry(
    entry: HfEntry, path: Path, catalog: _Catalog, added: date, report: ImportReport
) -> None:
    """Add one entry as a new record or as a source of the record it matches."""
    title, title_issues = _clean(entry.title)
    abstract, abstract_issues = _clean(entry.abstract)
    key = normalize_title(title)
    if not key:
        report.problems.append(f"{path}:{entry.line}: title has no letters or digits")
        return
    source = source_name(path)
    record = catalog.by_title.get(key)
    if record is None:
        catalog.by_title[key] = _new_record(catalog, title, abstract, added, source)
        report.added.append(catalog.by_title[key].id)
        _warn(report, f"{path}:{entry.line}: title", entry.title, title_issues)
        _warn(report, f"{path}:{entry.abstract_line}: abstract", entry.abstract, abstract_issues)
    elif source in record.sources():
        report.unchanged.append(record.id)
    elif _add_source(record, source, report):
        report.merged.append(record.id)


def _clean(raw: str) -> tuple[str, list[str]]:
    """Convert TeX and tidy whitespace; return the text and what stayed unconverted."""
    converted = convert_tex(raw)
    return " ".join(converted.text.split()), converted.unconverted


def _warn(report: ImportReport, where: str, raw: str, unconverted: list[str]) -> None:
    for span in dict.fromkeys(unconverted):
        report.warnings.append(f'{where}: TeX "{span}" kept as is; please fix by hand')
    for note in find_tex_residue(raw):
        report.warnings.append(f"{where}: {note}")


def _new_record(catalog: _Catalog, title: str, abstract: str, added: date, source: str) -> _Record:
    record_id = catalog.new_id(title)
    data = {"title": title, "abstract": abstract, "added": added, "sources": [source]}
    return _Record(record_id, catalog.papers_dir / f"{record_id}.yaml", data)


def _add_source(record: _Record, source: str, report: ImportReport) -> bool:
    """Add ``source`` to a record: in memory, and by a text edit for an existing file."""
    if record.text is not None:
        try:
            record.text = append_to_list(record.text, "sources", source)
        except RecordEditError as exc:
            report.problems.append(f"{record.path}:1: cannot add source {source}: {exc}")
            return False
    record.data["sources"] = [*record.sources(), source]
    return True


def _write_records(catalog: _Catalog) -> None:
    """Write new records and changed existing ones, each atomically."""
    for record in sorted(catalog.by_title.values(), key=lambda r: r.id):
        text = dump_record(record.data) if record.text is None else record.text
        if text != record.original:
            _write_atomic(record.path, text)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.debug("wrote %s", path)


def format_report(report: ImportReport) -> str:
    """Return the summary a curator reads: counts, then each problem and warning."""
    summary = (
        f"Imported Hugging Face Daily Papers: {len(report.added)} added, "
        f"{len(report.merged)} merged, {len(report.unchanged)} unchanged; "
        f"{len(report.problems)} problems, {len(report.warnings)} warnings, "
        f"{len(report.files_failed)} files failed."
    )
    lines = [summary]
    for heading, items in (
        ("Problems:", report.problems),
        ("Warnings:", report.warnings),
        ("Files that could not be imported:", report.files_failed),
    ):
        if items:
            lines += [heading, *(f"  {item}" for item in items)]
    return "\n".join(lines)
