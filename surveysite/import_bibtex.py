"""Import a BibTeX file (``.bib``) into paper records.

bibtexparser splits the file; this module evaluates the values as BibTeX does (`@string`
macros, month names, `#` concatenation, `crossref`), turns names into "Given Family",
removes the braces that only protect capitals and converts the rest of the TeX to text.
A malformed entry is reported with its line and skipped; the rest of the file is still
imported. `@comment`, `@preamble` and text between entries are ignored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import bibtexparser
from bibtexparser import model

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

__all__ = [
    "SOURCE_PREFIX",
    "BibValueError",
    "bib_names",
    "bib_text",
    "evaluate",
    "format_bibtex_report",
    "import_bibtex",
    "read_bibtex",
]

log = logging.getLogger(__name__)
# bibtexparser logs every block it cannot parse; we report them ourselves, with lines.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

SOURCE_PREFIX = "bibtex"
MONTHS = {
    name[:3]: name
    for name in (  # noqa: SIM905
        "january february march april may june july august september october november december"
    ).split()
}
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished")
_PREPRINT_VENUE = re.compile(r"^\s*(arxiv|corr|preprint)\b|\barxiv preprint\b", re.IGNORECASE)
_EMPTY_GROUP = "\ue000"  # `{}`: separates characters (`-{}-`), stands for nothing
_SYMBOLS = {  # TeX that the exporter writes and pylatexenc does not read as we want
    r"\textasciicircum{}": "\ue001",
    r"\textbraceleft{}": "\ue002",
    r"\textbraceright{}": "\ue003",
}
_RESTORE = str.maketrans({_EMPTY_GROUP: "", "\ue001": "^", "\ue002": "{", "\ue003": "}"})
_CONTROL = re.compile(r"\\(?:[A-Za-z]+|.)", re.DOTALL)
_MATH = re.compile(r"\$\$.*?\$\$|\$(?:[^$\\]|\\.)*\$", re.DOTALL)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


class BibValueError(ValueError):
    """A field value that is not valid BibTeX (unbalanced braces or quotes, a stray token)."""


# --- values ---------------------------------------------------------------------------


def evaluate(expr: str, macros: Mapping[str, str]) -> tuple[str, list[str]]:
    """Evaluate `{..}`, `".."`, numbers and macros joined by `#`; also name unknown macros."""
    out, unknown, pos, text = [], [], 0, expr.strip()
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            raise BibValueError("a value is missing")
        ch = text[pos]
        if ch in '{"':
            end = _delimited_end(text, pos)
            out.append(text[pos + 1 : end - 1])
            pos = end
        else:
            word = re.compile(r"[^\s#{}\"]+").match(text, pos)
            if word is None:
                raise BibValueError(f"unexpected {ch!r}")
            name = word.group()
            if name.isdigit():
                out.append(name)
            elif name.lower() in macros:
                out.append(macros[name.lower()])
            elif name.lower()[:3] in MONTHS and len(name) == 3:
                out.append(MONTHS[name.lower()].capitalize())
            else:
                unknown.append(name)
            pos = word.end()
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return "".join(out), unknown
        if text[pos] != "#":
            raise BibValueError(
                f"expected '#' or the end of the value, got {text[pos : pos + 20]!r}"
            )
        pos += 1


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _delimited_end(text: str, start: int) -> int:
    """The index after the `}` or `"` that closes the value starting at `start`."""
    depth, pos = 0, start
    quoted = text[start] == '"'
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise BibValueError("unbalanced braces: a '}' closes nothing")
            if depth == 0 and not quoted:
                return pos + 1
        elif ch == '"' and quoted and depth == 0 and pos > start:
            return pos + 1
        pos += 1
    raise BibValueError("unbalanced braces" if depth else "no closing '\"'")


def unbrace(text: str) -> str:
    """Drop braces that only protect capitals (`{BERT}`, `{{Need}}`); keep TeX's own.

    Kept: a macro's arguments (`\\emph{x}`, `\\'{e}`, `\\frac{a}{b}`), groups that start
    with a macro (`{\\"u}`, `{\\em x}`) and everything in math. An empty `{}` becomes a
    marker that `bib_text` removes after TeX conversion, so `-{}-` stays two hyphens.
    """
    out, kept, pos = [], [], 0
    argument = ""  # "macro": a `{` here, after spaces, is an argument; "group": only right here
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            token = _CONTROL.match(text, pos).group()
            out.append(token)
            pos += len(token)
            is_macro = token[1:].isalpha() or token[1:] in "'\"`^~=.uvHckbdrt"
            argument = "macro" if is_macro else ""
            continue
        if ch == "{":
            if text.startswith("{}", pos) and not argument:
                out.append(_EMPTY_GROUP)
                pos += 2
                continue
            keep = bool(argument) or text.startswith("{\\", pos)
            kept.append(keep)
            out.append("{" if keep else "")
            argument = ""
        elif ch == "}":
            keep = kept.pop() if kept else True
            out.append("}" if keep else "")
            argument = "group" if keep else ""
        elif ch == "$" and (math := _MATH.match(text, pos)):
            out.append(math.group())
            pos += len(math.group())
            argument = ""
            continue
        else:
            out.append(ch)
            if not (argument == "macro" and ch in " \t"):
                argument = ""
        pos += 1
    return "".join(out)


def bib_text(value: str) -> tuple[str, list[str]]:
    """A BibTeX value as plain text, and the TeX that could not be converted."""
    for tex, marker in _SYMBOLS.items():
        value = value.replace(tex, marker)
    text, unconverted = clean_text(unbrace(value))
    return " ".join(text.translate(_RESTORE).split()), unconverted


def _split_top(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split at `pattern` outside braces."""
    parts, depth, start, pos = [], 0, 0, 0
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            pos += 2
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                parts.append(text[start:pos])
                start = pos = match.end()
                continue
        pos += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def bib_names(value: str) -> tuple[list[str], list[str]]:
    """Authors as "Given von Family, Jr" text (`and others` dropped), and unconverted TeX."""
    names, unconverted = [], []
    for raw in _split_top(value, _AND):
        if not raw or raw.lower() == "others":
            continue
        parts = _split_top(raw, re.compile(r"\s*,\s*"))
        if len(parts) == 2:
            raw = f"{parts[1]} {parts[0]}"
        elif len(parts) >= 3:
            raw = f"{parts[2]} {parts[0]}, {parts[1]}"
        name, issues = bib_text(raw)
        unconverted += issues
        if name:
            names.append(name)
    return names, unconverted


# --- entries --------------------------------------------------------------------------


@dataclass
class _Entry:
    """An entry's fields, evaluated to raw TeX, lower-case names."""

    type: str
    key: str
    line: int
    fields: dict[str, str]


def read_bibtex(path: Path, report: ImportReport) -> list[Candidate] | None:
    """Every paper of a .bib file as a candidate; None if the file yields none."""
    text = read_text(path, report)
    if text is None:
        return None
    library = bibtexparser.parse_string(text, parse_stack=[])
    macros: dict[str, str] = {}
    entries: list[_Entry] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.ParsingFailedBlock):
            report.problems.append(f"{path}:{line}: {_failure(block)}; entry skipped")
        elif isinstance(block, model.String):
            _define(block, macros, f"{path}:{line}", report)
        elif isinstance(block, model.Entry):
            entry = _evaluate_entry(block, macros, f"{path}:{line}", line, report)
            if entry is not None:
                entries.append(entry)
    targets = {e.fields["crossref"].lower() for e in entries if e.fields.get("crossref")}
    by_key = {e.key.lower(): e for e in entries}
    candidates = []
    for entry in entries:
        where = f"{path}:{entry.line}"
        if entry.key.lower() in targets and entry.type in ("proceedings", "book", "collection"):
            continue  # the volume other entries cross-reference, not a paper
        fields = _with_crossref(entry, by_key, where, report)
        candidate = _candidate(fields, where, report)
        if candidate is not None:
            candidates.append(candidate)
    if not candidates and not entries:
        report.problems.append(f"{path}:1: no BibTeX entries found")
        return None
    return candidates


def _failure(block: model.ParsingFailedBlock) -> str:
    """Why bibtexparser gave up on a block, in one line."""
    error = block.error
    if isinstance(block, model.DuplicateBlockKeyBlock):
        return f"a second entry with the key {block.key!r}"
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    head = (block.raw or "").split(",", 1)[0].strip()[:60]
    return f"malformed entry {head!r}: {' '.join(reason.split())}"


def _define(block: model.String, macros: dict[str, str], where: str, report) -> None:
    try:
        value, unknown = evaluate(block.value, macros)
    except BibValueError as exc:
        report.problems.append(f"{where}: @string {block.key}: {exc}; not defined")
        return
    for name in unknown:
        report.warnings.append(f"{where}: @string {block.key}: unknown macro {name!r}")
    macros[block.key.lower()] = value


def _evaluate_entry(
    block: model.Entry, macros: Mapping[str, str], where: str, line: int, report: ImportReport
) -> _Entry | None:
    """An entry's values as raw TeX; a syntax error in any of them skips the entry."""
    fields: dict[str, str] = {}
    for bib_field in block.fields:
        name = bib_field.key.lower()
        if name in fields:
            report.warnings.append(f"{where}: field {name!r} given twice; the first is used")
            continue
        try:
            value, unknown = evaluate(str(bib_field.value), macros)
        except BibValueError as exc:
            report.problems.append(
                f"{where}: malformed entry {block.key!r}: field {name!r}: {exc}; entry skipped"
            )
            return None
        for macro in unknown:
            report.warnings.append(
                f"{where}: field {name!r}: unknown @string macro {macro!r}, left out"
            )
        fields[name] = value
    return _Entry(block.entry_type.lower(), block.key, line, fields)


def _with_crossref(
    entry: _Entry, by_key: Mapping[str, _Entry], where: str, report: ImportReport
) -> dict[str, str]:
    """The entry's fields plus those it inherits from its `crossref` (BibTeX's rule)."""
    fields = dict(entry.fields)
    target_key = fields.get("crossref")
    if not target_key:
        return fields
    target = by_key.get(target_key.lower())
    if target is None:
        report.warnings.append(f"{where}: crossref {target_key!r} is not in the file")
        return fields
    inherited = dict(target.fields)
    if "title" in inherited and "booktitle" not in inherited:
        inherited["booktitle"] = inherited["title"]
    for name, value in inherited.items():
        if name not in ("title", "crossref", "key"):
            fields.setdefault(name, value)
    return fields


def _candidate(fields: Mapping[str, str], where: str, report: ImportReport) -> Candidate | None:
    """The paper an entry describes, or None (reported) if it has no title."""
    raw_title = fields.get("title", "")
    title, title_issues = bib_text(raw_title)
    if not title:
        report.problems.append(f"{where}: entry without a title; skipped")
        return None
    abstract, abstract_issues = bib_text(fields.get("abstract", ""))
    authors, author_issues = bib_names(fields.get("author", ""))
    notes = tex_notes(f"{where}: title", raw_title, title_issues)
    notes += tex_notes(f"{where}: abstract", fields.get("abstract", ""), abstract_issues)
    notes += tex_notes(f"{where}: author", fields.get("author", ""), author_issues)
    values = {
        "authors": tuple(authors),
        "year": _year(fields, where, report),
        "venue": _venue(fields),
        **_identifiers(fields, where, report),
    }
    return Candidate(title, where, abstract or None, values, tuple(notes))


def _year(fields: Mapping[str, str], where: str, report: ImportReport) -> int | None:
    raw = fields.get("year") or fields.get("date")
    year = normalize_year(bib_text(raw)[0]) if raw else None
    if raw and year is None:
        report.warnings.append(f"{where}: year: {raw!r} is not a year; left out")
    return year


def _venue(fields: Mapping[str, str]) -> str | None:
    """Journal, proceedings or `howpublished` text; an arXiv "venue" is not one."""
    for name in VENUE_FIELDS:
        raw = fields.get(name)
        if not raw or (name == "howpublished" and re.search(r"\\url|https?://", raw)):
            continue
        venue = bib_text(raw)[0]
        if venue and not _PREPRINT_VENUE.search(venue):
            return venue
    return None


def _identifiers(fields: Mapping[str, str], where: str, report: ImportReport) -> dict[str, str]:
    """arXiv id, DOI, web page and PDF, from wherever the entry keeps them."""
    found: dict[str, str] = {}
    url = fields.get("url", "").strip()
    url_text = re.sub(r"^\\url\{(.*)\}$", r"\1", fields.get("howpublished", "").strip())
    link = normalize_link(url) or normalize_link(url_text)
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = fields.get("eprint", "") if prefix in ("", "arxiv") else ""
    arxiv = normalize_arxiv(
        eprint,
        fields.get("journal"),
        fields.get("volume") if "corr" in fields.get("journal", "").lower() else None,
        link,
        fields.get("doi"),
        fields.get("note"),
    )
    doi = paper_doi(fields.get("doi")) or paper_doi(link)
    if fields.get("doi") and not normalize_doi(fields["doi"]):
        report.warnings.append(f"{where}: doi: {fields['doi']!r} is not a DOI; left out")
    if url and not normalize_link(url):
        report.warnings.append(f"{where}: url: {url!r} is not an http(s) URL; left out")
    if arxiv:
        found["arxiv"] = arxiv
    if doi:
        found["doi"] = doi
    if link and not _is_derived(link):
        found["pdf" if link.lower().endswith(".pdf") else "url"] = link
    return found


def _is_derived(link: str) -> bool:
    """Links the site builds itself from the arXiv id or DOI."""
    return bool(re.match(r"https?://(?:www\.)?(arxiv\.org/(abs|pdf)/|(dx\.)?doi\.org/)", link))


# --- the command ----------------------------------------------------------------------


def import_bibtex(files: list[Path], papers_dir: Path, *, added: date) -> ImportReport:
    """Import .bib files into ``papers_dir``; plan everything, then write."""
    return run_import(files, papers_dir, added=added, prefix=SOURCE_PREFIX, read=read_bibtex)


def format_bibtex_report(report: ImportReport) -> str:
    """The curator's summary of a BibTeX import."""
    return format_report(report, "BibTeX")
