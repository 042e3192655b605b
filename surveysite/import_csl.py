"""Import CSL-JSON (Zotero's "CSL JSON" export, pandoc's, Better BibTeX's) into paper records.

A file is an array of items (a single item is accepted too). From each item: `title`,
`abstract`, `author` (`family`/`given`/particles/`suffix`, or `literal`), `issued` (date
parts, EDTF or raw text), `container-title` (the venue), `DOI`, `URL`, and the arXiv id
from `number`, `URL`, `DOI` (10.48550/arXiv.*) or `note`. Zotero's rich-text tags in
titles (`<i>`, `<sup>`, `<span class="nocase">`) are removed; TeX is converted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from surveysite.import_common import (
    Candidate,
    ImportReport,
    clean_text,
    format_report,
    normalize_arxiv,
    normalize_doi,
    normalize_link,
    normalize_year,
    paper_doi,
    read_text,
    run_import,
    tex_notes,
)

__all__ = ["SOURCE_PREFIX", "csl_name", "format_csl_report", "import_csl", "json_items", "read_csl"]

SOURCE_PREFIX = "csl-json"
_RICH_TEXT_TAG = re.compile(r"</?(?:i|b|sup|sub|span)(?:\s[^<>]*)?>", re.IGNORECASE)
_PREPRINT_VENUE = re.compile(r"^\s*(arxiv|corr)\b|\barxiv preprint\b", re.IGNORECASE)


class JsonShapeError(ValueError):
    """The file is JSON but not a CSL-JSON list of items; carries the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def json_items(text: str) -> list[tuple[int, Any]]:
    """The items of a JSON array with the line each starts on (json has no line numbers).

    Raises json.JSONDecodeError for broken JSON and JsonShapeError for other shapes.
    """
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if text.startswith("{", pos):
        item, end = decoder.raw_decode(text, pos)
        _expect_end(text, end)
        return [(_line(text, pos), item)]
    if not text.startswith("[", pos):
        raise JsonShapeError("expected a JSON array of CSL items", _line(text, pos))
    items, pos = [], _skip_space(text, pos + 1)
    while not text.startswith("]", pos):
        item, end = decoder.raw_decode(text, pos)
        items.append((_line(text, pos), item))
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("]", pos):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    _expect_end(text, pos + 1)
    return items


def _expect_end(text: str, pos: int) -> None:
    if text[_skip_space(text, pos) :]:
        raise json.JSONDecodeError("Extra data", text, _skip_space(text, pos))


def _skip_space(text: str, pos: int) -> int:
    return len(text) - len(text[pos:].lstrip())


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def read_csl(path: Path, report: ImportReport) -> list[Candidate] | None:
    """Every item of a CSL-JSON file as a candidate; None if the file yields none."""
    text = read_text(path, report)
    if text is None:
        return None
    try:
        items = json_items(text)
    except json.JSONDecodeError as exc:
        report.problems.append(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}")
        return None
    except JsonShapeError as exc:
        report.problems.append(f"{path}:{exc.line}: {exc}")
        return None
    if not items:
        report.problems.append(f"{path}:1: no items in the file")
        return None
    candidates = []
    for line, item in items:
        where = f"{path}:{line}"
        if not isinstance(item, dict):
            report.problems.append(f"{where}: expected a CSL item (an object); skipped")
        elif candidate := _candidate(item, where, report):
            candidates.append(candidate)
    return candidates


def _text(value: Any) -> tuple[str, str, list[str]]:
    """A CSL string field as (raw, text, unconverted TeX); non-strings count as missing."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return "", "", []
    raw = _RICH_TEXT_TAG.sub("", value)
    text, issues = clean_text(raw)
    return raw, text, issues


def csl_name(name: Any) -> str:
    """A CSL name as "Given particle Family, Suffix" (or its literal)."""
    if not isinstance(name, Mapping):
        return ""
    if name.get("literal"):
        return _text(name["literal"])[1]
    parts = [name.get(k) for k in ("given", "dropping-particle", "non-dropping-particle")]
    parts.append(name.get("family"))
    full = " ".join(_text(p)[1] for p in parts if p)
    suffix = _text(name.get("suffix"))[1]
    return f"{full}, {suffix}" if full and suffix else full


def _year(issued: Any) -> int | None:
    """The year of a CSL date: date-parts, EDTF text, or raw/literal text."""
    if isinstance(issued, str):
        return normalize_year(issued)
    if not isinstance(issued, Mapping):
        return None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return normalize_year(parts[0][0])
    for key in ("raw", "literal", "edtf"):
        if isinstance(issued.get(key), str):
            found = re.search(r"\b(1\d{3}|2\d{3})\b", issued[key])
            if found:
                return int(found.group(1))
    return None


def _candidate(item: Mapping[str, Any], where: str, report: ImportReport) -> Candidate | None:
    """One item's paper, or None (reported) if it has no title."""
    raw_title, title, title_issues = _text(item.get("title"))
    if not title:
        report.problems.append(f"{where}: item {item.get('id', '')!r} has no title; skipped")
        return None
    raw_abstract, abstract, abstract_issues = _text(item.get("abstract"))
    notes = tex_notes(f"{where}: title", raw_title, title_issues)
    notes += tex_notes(f"{where}: abstract", raw_abstract, abstract_issues)
    authors = item.get("author") if isinstance(item.get("author"), list) else []
    url = normalize_link(_text(item.get("URL"))[0])
    doi = paper_doi(_text(item.get("DOI"))[0])
    if item.get("DOI") and not normalize_doi(_text(item.get("DOI"))[0]):
        report.warnings.append(f"{where}: DOI: {item['DOI']!r} is not a DOI; left out")
    venue = _text(item.get("container-title"))[1]
    fields = {
        "authors": tuple(n for n in map(csl_name, authors) if n),
        "year": _year(item.get("issued")),
        "venue": venue if venue and not _PREPRINT_VENUE.search(venue) else None,
        "arxiv": normalize_arxiv(
            *(_text(item.get(k))[0] for k in ("number", "URL", "DOI", "note", "archive_location"))
        ),
        "doi": doi,
    }
    if url and not re.match(r"https?://(?:www\.)?(arxiv\.org/(abs|pdf)/|(dx\.)?doi\.org/)", url):
        fields["pdf" if url.lower().endswith(".pdf") else "url"] = url
    return Candidate(title, where, abstract or None, fields, tuple(notes))


def import_csl(files: list[Path], papers_dir: Path, *, added: date) -> ImportReport:
    """Import CSL-JSON files into ``papers_dir``; plan everything, then write."""
    return run_import(files, papers_dir, added=added, prefix=SOURCE_PREFIX, read=read_csl)


def format_csl_report(report: ImportReport) -> str:
    """The curator's summary of a CSL-JSON import."""
    return format_report(report, "CSL-JSON")
