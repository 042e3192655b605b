"""What every importer shares: reading existing records, matching, merging, writing, reporting.

An importer turns each entry of its file into a `Candidate` (text already converted from
TeX) and hands it to `Catalog.add`, which applies one set of rules for all formats:

- an entry matches an existing record by arXiv id (version ignored), DOI (case ignored)
  or normalised title; a match gains the file as a source, plus the fields it lacks;
  fields a record already has are never changed (a different value is only reported);
- an entry whose file is already among the matched record's sources changes nothing,
  so importing a file twice is a no-op;
- an entry whose title differs from a record's by one word or a version suffix is added
  as a new record and reported as a near-duplicate for the curator to decide; if the
  curator decides they are one paper, they delete the new record and add its source to
  the kept one, and later imports leave it alone;
- a new record needs a title and an abstract; an entry without an abstract is skipped
  and reported (a record's abstract is never invented).

Everything is planned in memory, then each new or changed file is written atomically.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from surveysite.records_yaml import KEY_ORDER, RecordEditError, append_to_list, dump_record
from surveysite.slugs import normalize_title, slugify
from surveysite.tex import convert_tex, find_tex_residue
from surveysite.validate import ARXIV_ID, DOI, FieldError, link

__all__ = [
    "OPTIONAL_FIELDS",
    "Candidate",
    "Catalog",
    "ImportReport",
    "Reader",
    "add_fields",
    "clean_text",
    "format_report",
    "normalize_arxiv",
    "normalize_doi",
    "normalize_link",
    "normalize_year",
    "paper_doi",
    "read_text",
    "run_import",
    "source_name",
    "tex_notes",
]

log = logging.getLogger(__name__)

OPTIONAL_FIELDS = ("authors", "year", "venue", "arxiv", "doi", "url", "pdf")
COMPARED_FIELDS = ("year", "arxiv", "doi")  # a differing value here is worth a warning
_VERSION_WORD = re.compile(r"^(v\d+|version|\d+)$")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[.:/\s]*(?:abs/|pdf/)?|arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.)"
    r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)


# --- the report -----------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did; ``added``/``merged``/``unchanged`` hold one id per entry."""

    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files_failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    near_duplicates: list[str] = field(default_factory=list)


def format_report(report: ImportReport, label: str) -> str:
    """Return the summary a curator reads: counts, then each problem and warning."""
    summary = (
        f"Imported {label}: {len(report.added)} added, "
        f"{len(report.merged)} merged, {len(report.unchanged)} unchanged; "
        f"{len(report.problems)} problems, {len(report.warnings)} warnings, "
        f"{len(report.near_duplicates)} near-duplicates to review, "
        f"{len(report.files_failed)} files failed."
    )
    lines = [summary]
    for heading, items in (
        ("Problems:", _by_place(report.problems)),
        ("Warnings:", _by_place(report.warnings)),
        ("Near-duplicates to review:", _by_place(report.near_duplicates)),
        ("Files that could not be imported:", report.files_failed),
    ):
        if items:
            lines += [heading, *(f"  {item}" for item in items)]
    return "\n".join(lines)


def _by_place(items: list[str]) -> list[str]:
    """`path:line: ...` messages by line within each file, files in order of first mention."""
    places = [re.match(r"(.*?):(\d+): ", item) for item in items]
    files = list(dict.fromkeys(m.group(1) if m else "" for m in places))
    keys = [
        (files.index(m.group(1)), int(m.group(2))) if m else (files.index(""), 0) for m in places
    ]
    return [item for _, item in sorted(zip(keys, items, strict=True), key=lambda pair: pair[0])]


# --- what importers hand over ---------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A paper read from an import file: text converted from TeX, fields checked.

    `fields` holds any of OPTIONAL_FIELDS in the form a record stores them;
    `notes` are warnings worth showing only if the paper is added.
    """

    title: str
    where: str  # "path:line" of the entry
    abstract: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


Reader = Callable[[Path, ImportReport], list[Candidate] | None]


def source_name(prefix: str, path: Path) -> str:
    """The source recorded for an import file, e.g. ``bibtex/my-library``."""
    return f"{prefix}/{Path(path).stem}"


def read_text(path: Path, report: ImportReport) -> str | None:
    """A file's UTF-8 text, or None after reporting why it cannot be read."""
    try:
        data = Path(path).read_bytes()
        return data.decode("utf-8-sig")
    except OSError as exc:
        report.problems.append(f"{path}:1: cannot read: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.problems.append(f"{path}:{line}: not UTF-8 text ({exc.reason})")
    return None


def clean_text(raw: str) -> tuple[str, list[str]]:
    """Convert TeX and tidy whitespace; return the text and what stayed unconverted."""
    converted = convert_tex(raw)
    return " ".join(converted.text.split()), converted.unconverted


def tex_notes(where: str, raw: str, unconverted: Iterable[str]) -> list[str]:
    """Warnings about TeX kept as is, and TeX that lost its backslashes upstream."""
    notes = [f'{where}: TeX "{span}" kept as is; please fix by hand' for span in unconverted]
    notes += [f"{where}: {note}" for note in find_tex_residue(raw)]
    return list(dict.fromkeys(notes))


# --- field normalisers: each returns what `check` accepts, or None --------------------


def normalize_arxiv(*texts: str | None) -> str | None:
    """The first arXiv id (without version) in an id, URL, DOI or note."""
    for text in texts:
        if not text:
            continue
        text = text.strip()
        bare = re.sub(r"v\d+$", "", text)
        if ARXIV_ID.match(bare):
            return bare
        found = _ARXIV_IN_TEXT.search(text)
        if found and ARXIV_ID.match(found.group(1)):
            return found.group(1)
    return None


def normalize_doi(text: str | None) -> str | None:
    """A DOI without resolver prefix, if `text` holds one."""
    if not text:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.IGNORECASE)
    return doi if DOI.match(doi) else None


def paper_doi(text: str | None) -> str | None:
    """A DOI to store: none for arXiv's own DOIs (10.48550/arXiv.*), which restate the id."""
    doi = normalize_doi(text)
    return None if doi and doi.lower().startswith("10.48550/arxiv.") else doi


def normalize_link(text: str | None) -> str | None:
    """An http(s) URL, if `text` is one."""
    if not text:
        return None
    try:
        return link(text.strip())
    except FieldError:
        return None


def normalize_year(value: Any) -> int | None:
    """A year such as 2024 from a number or the start of a date string."""
    found = re.match(r"\s*(\d{4})(?!\d)", str(value)) if value is not None else None
    year = int(found.group(1)) if found else None
    return year if year and 1000 <= year <= 2999 else None


# --- records and the catalog ----------------------------------------------------------


@dataclass(eq=False)
class Record:
    """A paper record as planned: existing (with its file text) or new."""

    id: str
    path: Path
    data: dict[str, Any]
    text: str | None = None  # current text of an existing file; None for a new record
    original: str | None = None
    origin: str | None = None  # "path:line" of the entry that created a new record

    def sources(self) -> list[Any]:
        value = self.data.get("sources")
        return value if isinstance(value, list) else []


def _arxiv_key(value: Any) -> str | None:
    return normalize_arxiv(str(value)) if value is not None else None


def _doi_key(value: Any) -> str | None:
    doi = normalize_doi(str(value)) if value is not None else None
    return doi.lower() if doi else None


def _near_keys(title: str) -> set[tuple[str, ...]]:
    """Keys two titles share when they differ by one word or a version suffix."""
    words = tuple(normalize_title(title).split())
    while len(words) > 1 and _VERSION_WORD.match(words[-1]):
        words = words[:-1]
    keys = {words}
    if len(words) >= 3:
        keys.update(words[:i] + words[i + 1 :] for i in range(len(words)))
    return keys


@dataclass
class Catalog:
    """Records by title, arXiv id, DOI and near-title, and the ids that are taken."""

    papers_dir: Path
    records: list[Record] = field(default_factory=list)
    by_title: dict[str, Record] = field(default_factory=dict)
    by_arxiv: dict[str, Record] = field(default_factory=dict)
    by_doi: dict[str, Record] = field(default_factory=dict)
    by_near: dict[tuple[str, ...], list[Record]] = field(default_factory=lambda: defaultdict(list))
    taken: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, papers_dir: Path, report: ImportReport) -> Catalog:
        """Read the existing records; every ``*.yaml`` name counts as a taken id."""
        catalog = cls(Path(papers_dir))
        for path in sorted(catalog.papers_dir.glob("*.yaml")):
            catalog.taken.add(path.stem)
            record = _load_record(path, report)
            if record is not None:
                catalog.register(record, report)
        return catalog

    def register(self, record: Record, report: ImportReport) -> None:
        """Index a record under its title, arXiv id and DOI (the first record keeps a key)."""
        self.records.append(record)
        keys = {
            "title": (self.by_title, normalize_title(record.data["title"])),
            "arXiv id": (self.by_arxiv, _arxiv_key(record.data.get("arxiv"))),
            "DOI": (self.by_doi, _doi_key(record.data.get("doi"))),
        }
        for name, (index, key) in keys.items():
            if not key:
                continue
            if key in index and index[key] is not record:
                other = index[key].path
                report.problems.append(
                    f"{record.path}:1: same {name} as {other}; new sources go there"
                )
            else:
                index[key] = record
        for key in _near_keys(record.data["title"]):
            if record not in self.by_near[key]:
                self.by_near[key].append(record)

    def new_id(self, title: str) -> str:
        """A free id from the title's slug (`-2`, `-3` when taken)."""
        base = slugify(title)
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate

    def matches(self, candidate: Candidate) -> list[Record]:
        """Records the candidate is the same paper as: by arXiv id, DOI, then title."""
        found = [
            self.by_arxiv.get(_arxiv_key(candidate.fields.get("arxiv")) or ""),
            self.by_doi.get(_doi_key(candidate.fields.get("doi")) or ""),
            self.by_title.get(normalize_title(candidate.title)),
        ]
        return list(dict.fromkeys(r for r in found if r is not None))

    def near(self, candidate: Candidate) -> list[Record]:
        """Records whose titles differ from the candidate's by a word or a version suffix."""
        found = [r for key in _near_keys(candidate.title) for r in self.by_near.get(key, [])]
        return list(dict.fromkeys(found))

    def add(self, candidate: Candidate, source: str, added: date, report: ImportReport) -> None:
        """Merge the candidate into the record it matches, or add it as a new record."""
        if not normalize_title(candidate.title):
            report.problems.append(f"{candidate.where}: title has no letters or digits")
            return
        found = self.matches(candidate)
        if len(found) > 1:
            names = " and ".join(str(r.path) for r in found)
            report.problems.append(
                f"{candidate.where}: matches {names} (by arXiv id, DOI or title); "
                "skipped: merge those records first"
            )
        elif found:
            self._merge(found[0], candidate, source, report)
        else:
            self._add_new(candidate, source, added, report)

    def _merge(
        self, record: Record, candidate: Candidate, source: str, report: ImportReport
    ) -> None:
        if source in record.sources():
            report.unchanged.append(record.id)
            if record.origin and record.origin != candidate.where:
                report.warnings.append(
                    f"{candidate.where}: same paper as {record.origin}; imported once"
                )
            return
        missing = {
            k: v
            for k, v in candidate.fields.items()
            if v not in (None, "", ()) and k not in record.data
        }
        missing = {k: list(v) if isinstance(v, tuple) else v for k, v in missing.items()}
        if record.text is not None:
            try:
                text = add_fields(record.text, missing) if missing else record.text
                record.text = append_to_list(text, "sources", source)
            except RecordEditError as exc:
                report.problems.append(f"{record.path}:1: cannot add source {source}: {exc}")
                return
        record.data.update(missing)
        record.data["sources"] = [*record.sources(), source]
        report.merged.append(record.id)
        report.warnings += _differences(record, candidate)
        if "arxiv" in missing or "doi" in missing:
            self.register_identifiers(record)

    def register_identifiers(self, record: Record) -> None:
        """Index identifiers a merge gave a record (they were missing, so free to take)."""
        arxiv, doi = _arxiv_key(record.data.get("arxiv")), _doi_key(record.data.get("doi"))
        if arxiv:
            self.by_arxiv.setdefault(arxiv, record)
        if doi:
            self.by_doi.setdefault(doi, record)

    def _add_new(
        self, candidate: Candidate, source: str, added: date, report: ImportReport
    ) -> None:
        near = self.near(candidate)
        resolved = [r for r in near if r.origin is None and source in r.sources()]
        if resolved:  # the curator kept the other record and gave it this source
            report.unchanged.append(resolved[0].id)
            return
        if not candidate.abstract:
            report.problems.append(
                f"{candidate.where}: skipped {candidate.title!r}: no abstract, and a paper "
                "record requires one; add the abstract to the entry and import again"
            )
            return
        record_id = self.new_id(candidate.title)
        data: dict[str, Any] = {"title": candidate.title, "abstract": candidate.abstract}
        data.update(
            (k, list(v) if isinstance(v, tuple) else v)
            for k, v in candidate.fields.items()
            if v not in (None, "", ())
        )
        data.update(added=added, sources=[source])
        path = self.papers_dir / f"{record_id}.yaml"
        record = Record(record_id, path, data, origin=candidate.where)
        self.register(record, report)
        report.added.append(record_id)
        report.warnings += candidate.notes
        for other in near:
            report.near_duplicates.append(
                f"{candidate.where}: added {path} ({candidate.title!r}); its title differs by "
                f"a word or a version from {other.path} ({other.data['title']!r}). If they are "
                f"one paper, delete {path.name} and add '{source}' to the sources of {other.path}."
            )

    def write(self) -> None:
        """Write new records and changed existing ones, each atomically."""
        for record in sorted(self.records, key=lambda r: r.id):
            text = dump_record(record.data) if record.text is None else record.text
            if text != record.original:
                _write_atomic(record.path, text)


def _differences(record: Record, candidate: Candidate) -> list[str]:
    """Warnings for identifying fields whose curated value differs from the file's."""
    notes = []
    for name in COMPARED_FIELDS:
        ours, theirs = record.data.get(name), candidate.fields.get(name)
        if ours is None or theirs is None or str(ours).lower() == str(theirs).lower():
            continue
        notes.append(
            f"{candidate.where}: {name}: kept {ours!r} of {record.path}; the file says {theirs!r}"
        )
    return notes


def _load_record(path: Path, report: ImportReport) -> Record | None:
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
    return Record(path.stem, path, data, text, text)


# --- minimal text edits ---------------------------------------------------------------


def add_fields(text: str, fields: Mapping[str, Any]) -> str:
    """Return ``text`` with new top-level ``fields``, each placed by KEY_ORDER.

    Only the new lines are inserted (above the first existing key that KEY_ORDER puts
    after them, and above that key's comments); nothing else in the file changes. The
    result is re-parsed and must equal the old data plus the fields, else RecordEditError.
    """
    try:
        old = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RecordEditError(f"not valid YAML: {exc}") from exc
    if not isinstance(old, dict):
        raise RecordEditError("the record is not a mapping")
    if clash := [k for k in fields if k in old]:
        raise RecordEditError(f"{', '.join(clash)} already set")
    new = text
    for name in sorted(fields, key=_order):
        new = _insert_block(new, name, dump_record({name: fields[name]}))
    if _safe_load_or_none(new) != {**old, **fields}:
        raise RecordEditError(f"cannot add {', '.join(fields)} without rewriting the file")
    return new


def _order(name: str) -> int:
    return KEY_ORDER.index(name) if name in KEY_ORDER else len(KEY_ORDER)


def _insert_block(text: str, name: str, block: str) -> str:
    """Insert a dumped ``name: value`` block before the first key ordered after it."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise RecordEditError("the record is not a block mapping")
    later = [
        key.start_mark
        for key, _ in root.value
        if isinstance(key, yaml.ScalarNode) and _order(key.value) > _order(name)
    ]
    if not later or min(later, key=lambda m: m.index).column != 0:
        return text + ("" if not text or text.endswith("\n") else "\n") + block
    pos = min(mark.index for mark in later)
    while pos > 0:  # keep a key's comment lines with the key
        start = text.rfind("\n", 0, pos - 1) + 1
        if not text[start:pos].lstrip().startswith("#"):
            break
        pos = start
    return text[:pos] + block + text[pos:]


def _safe_load_or_none(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


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


# --- the run ----------------------------------------------------------------------------


def run_import(
    files: Iterable[Path], papers_dir: Path, *, added: date, prefix: str, read: Reader
) -> ImportReport:
    """Read every file with `read`, merge all candidates, then write; return the report."""
    report = ImportReport()
    catalog = Catalog.load(papers_dir, report)
    for path in files:
        candidates = read(Path(path), report)
        if candidates is None:
            report.files_failed.append(str(path))
            continue
        source = source_name(prefix, Path(path))
        for candidate in candidates:
            catalog.add(candidate, source, added, report)
    catalog.write()
    return report
