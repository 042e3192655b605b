"""Stage 1: read content/ into raw documents (YAML data with lines, Markdown body)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem
from .yaml_lines import LineDict, error_line, error_message, load_yaml


@dataclass(frozen=True)
class RawDocument:
    """A content file: its front matter or YAML data, and its Markdown body."""

    path: str
    stem: str
    data: LineDict | None  # None: the file could not be read
    body: str = ""
    body_line: int = 1
    # a stub keeps only the document's name: the build cache keeps the record checked from
    # it instead (see BuildCache.save), and validation never reads it again
    stub: bool = False

    def __reduce__(self):  # see records.Plain
        values = (self.path, self.stem, self.data, self.body, self.body_line, self.stub)
        return RawDocument, values

    def as_stub(self) -> RawDocument:
        """This document without its data and body."""
        data = LineDict()
        data.lines, data.line = {}, 1
        return RawDocument(self.path, self.stem, data, "", self.body_line, stub=True)


class StubDocument(LookupError):
    """A cached document's record was asked for, but the cache lost it (a build without the
    cache reads the file again)."""


@dataclass
class RawContent:
    """All raw documents of a content folder."""

    site: RawDocument | None
    home: RawDocument | None
    papers: list[RawDocument] = field(default_factory=list)
    topics: list[RawDocument] = field(default_factory=list)


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file, accepting a byte-order mark and CRLF line endings."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "", "file is not UTF-8 text; save it as UTF-8"))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml_mapping(text: str, shown: str, problems: list[Problem], offset: int = 0) -> Any:
    """Parse YAML that must be a mapping; report syntax errors with their line."""
    if not text.strip():
        problems.append(Problem(shown, offset + 1, "", "file is empty; expected YAML fields"))
        return None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as error:
        problems.append(Problem(shown, error_line(error) + offset, "", error_message(error)))
        return None
    if not isinstance(data, LineDict):
        got = type(data).__name__
        problems.append(
            Problem(shown, offset + 1, "", f"expected YAML fields (key: value), got {got}")
        )
        return None
    if offset:
        shift_lines(data, offset)
    return data


def shift_lines(value: Any, offset: int) -> None:
    """Move every recorded line of parsed YAML down by `offset` (front matter)."""
    lines = getattr(value, "lines", None)
    if isinstance(lines, dict):
        value.lines = {k: v + offset for k, v in lines.items()}
    elif isinstance(lines, list):
        value.lines = [v + offset for v in lines]
    if hasattr(value, "line"):
        value.line += offset
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        shift_lines(child, offset)


def split_front_matter(
    text: str, shown: str, problems: list[Problem]
) -> tuple[str, str, int] | None:
    """Split `---` front matter from a Markdown body: (yaml, body, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(shown, 1, "", "expected front matter starting with '---' on line 1")
        )
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            return "\n".join(lines[1 : number - 1]), "\n".join(lines[number:]), number + 1
    problems.append(
        Problem(shown, 1, "", "front matter is not closed; expected a line '---' after it")
    )
    return None


def read_yaml_document(path: Path, root: Path, problems: list[Problem]) -> RawDocument | None:
    """Read a `.yaml` content file."""
    shown = display_path(path, root)
    text = read_text(path, shown, problems)
    data = None if text is None else parse_yaml_mapping(text, shown, problems)
    return None if data is None else RawDocument(shown, path.stem, data)


def read_markdown_document(path: Path, root: Path, problems: list[Problem]) -> RawDocument | None:
    """Read a `.md` content file with YAML front matter."""
    shown = display_path(path, root)
    text = read_text(path, shown, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(Problem(shown, 1, "", "file is empty; expected front matter and text"))
        return None
    parts = split_front_matter(text, shown, problems)
    if parts is None:
        return None
    front, body, body_line = parts
    data = parse_yaml_mapping(front, shown, problems, offset=1)
    return None if data is None else RawDocument(shown, path.stem, data, body, body_line)


def display_path(path: Path, root: Path) -> str:
    """The path as shown in messages: relative to the project folder."""
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return path.as_posix()


DocumentCache = dict[str, tuple[tuple[int, int], tuple["RawDocument | None", list[Problem]]]]


def read_cached(
    reader,
    path: str,
    info: os.stat_result,
    content_dir: Path,
    problems: list[Problem],
    cache: DocumentCache | None,
) -> RawDocument | None:
    """Read a document, or take it from `cache` when the file's size and mtime are unchanged."""
    if cache is None:
        return reader(Path(path), content_dir, problems)
    key = (info.st_size, info.st_mtime_ns)
    hit = cache.get(path)
    if hit and hit[0] == key:
        document, found = hit[1]
    else:
        found = []
        document = reader(Path(path), content_dir, found)
        cache[path] = (key, (document, found))
    problems.extend(found)
    return document


def load_content(
    content_dir: Path, problems: list[Problem], cache: DocumentCache | None = None
) -> RawContent:
    """Read every content file; unreadable files are reported in `problems` and skipped.

    With a `cache` (path -> stat key and parsed document), unchanged files are not parsed again.
    """
    site_path, home_path = content_dir / "site.yaml", content_dir / "home.md"
    if not site_path.exists():
        shown = display_path(site_path, content_dir)
        problems.append(Problem(shown, 0, "", "missing; expected the site settings file"))
    raw = RawContent(
        site=read_yaml_document(site_path, content_dir, problems) if site_path.exists() else None,
        home=read_markdown_document(home_path, content_dir, problems)
        if home_path.exists()
        else None,
    )
    raw.papers = read_folder(content_dir, "papers", (".yaml", ".yml"), problems, cache)
    raw.topics = read_folder(content_dir, "topics", (".md",), problems, cache)
    return raw


def read_folder(
    content_dir: Path,
    name: str,
    suffixes: tuple[str, ...],
    problems: list[Problem],
    cache: DocumentCache | None = None,
) -> list[RawDocument]:
    """Read the documents of one content folder; note the stems of unreadable ones."""
    documents = []
    try:
        with os.scandir(content_dir / name) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return documents
    for entry in entries:  # os.scandir, not pathlib: a survey has tens of thousands of files
        if entry.name.startswith(".") or not entry.is_file():
            continue
        stem, dot, suffix = entry.name.rpartition(".")
        if not dot or not stem or f".{suffix}" not in suffixes:
            shown = display_path(Path(entry.path), content_dir)
            expected = " or ".join(suffixes)
            message = f"ignored: not a {expected} file"
            problems.append(Problem(shown, 0, "", message, warning=True))
            continue
        reader = read_markdown_document if suffix == "md" else read_yaml_document
        document = read_cached(reader, entry.path, entry.stat(), content_dir, problems, cache)
        if document is None:
            document = RawDocument(display_path(Path(entry.path), content_dir), stem, None)
        documents.append(document)
    return documents
