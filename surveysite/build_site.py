"""The build: each line one stage, from content/ to the written site."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .build_cache import BuildCache, digest, input_fingerprint, output_state
from .export_files import export_files
from .facets import bibtex_files
from .load_content import DocumentCache, load_content
from .model import Survey, build_model
from .problems import ContentError, Problem
from .related import paper_vectors, related_papers
from .render_pages import asset_versions, make_environment, render_page
from .search_files import search_entries, search_files
from .survey_map import layout
from .urls import output_path
from .validate import validate
from .views import Page, plan_pages
from .write_site import UNCHANGED, Unchanged, write_site

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Project:
    """Where a survey's folders are."""

    root: Path
    content: Path
    templates: Path
    static: Path
    output: Path

    @classmethod
    def at(cls, root: Path, output: Path | None = None, content: Path | None = None) -> Project:
        """The standard layout under `root`."""
        return cls(
            root,
            content or root / "content",
            root / "templates",
            root / "static",
            output or root / "site",
        )


@dataclass
class BuildResult:
    """What a build produced, and the warnings it found."""

    survey: Survey | None
    files: dict[str, bytes | Unchanged] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    unchanged: bool = False  # nothing changed since the last build: nothing was done


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log how long a stage took."""
    start = time.perf_counter()
    yield
    log.info("%-8s %6.2f s", name, time.perf_counter() - start)


def load_survey(
    project: Project, strict: bool = False, documents: DocumentCache | None = None
) -> tuple[Survey, list[Problem]]:
    """Read, validate and cross-reference the content; raise ContentError on any error."""
    problems: list[Problem] = []
    with stage("load"):
        raw = load_content(project.content, problems, documents)
    with stage("validate"):
        content = validate(raw, problems)
    with stage("model"):
        known = frozenset(doc.stem for doc in raw.papers)
        survey = build_model(content, problems, known)
    errors = [p for p in problems if strict or not p.warning]
    if errors:
        raise ContentError(problems)
    log.info("%d papers, %d topics", len(survey.papers), len(survey.topics))
    return survey, problems


def static_files(static_dir: Path) -> dict[str, bytes]:
    """Every file under static/, at static/<path> in the site."""
    return {
        f"static/{path.relative_to(static_dir).as_posix()}": path.read_bytes()
        for path in sorted(static_dir.rglob("*"))
        if path.is_file()
    }


def add_similarity(survey: Survey, cache: BuildCache) -> None:
    """Related papers and map positions, from the papers' titles and abstracts."""
    topics = [frozenset(survey.paper_topics.get(pid, ())) for pid in survey.papers]
    inputs = [
        (p.id, p.title, p.abstract, sorted(t))  # sorted: set order changes between processes
        for p, t in zip(survey.papers.values(), topics, strict=True)
    ]

    def compute() -> tuple[dict, dict]:
        with stage("related"):
            vectors = paper_vectors(survey.papers.values())
            related = related_papers(list(survey.papers), vectors, topics)
        with stage("map"):
            coords = layout(vectors).tolist()
        return related, {pid: (x, y) for pid, (x, y) in zip(survey.papers, coords, strict=True)}

    survey.related, survey.positions = cache.remember("similarity", inputs, compute)


def build(
    project: Project, *, write: bool = True, strict: bool = False, incremental: bool = True
) -> BuildResult:
    """Run every stage; write the site only when `write` (check runs all but the write).

    An incremental build (the default when writing) skips everything when no input changed,
    re-parses only changed files, re-renders only pages whose view changed, and links
    unchanged files from the current site; it writes exactly what a full build writes.
    """
    cache = BuildCache.open(project.root) if write and incremental else BuildCache()
    inputs = [project.content, project.templates, project.static]
    fingerprint = input_fingerprint(inputs, project.output, strict)
    if write and cache.fingerprint == fingerprint and cache.output == output_state(project.output):
        log.info("nothing changed: %s is up to date", project.output)
        return BuildResult(None, {}, cache.warnings, unchanged=True)
    survey, warnings = load_survey(project, strict, cache.documents)
    add_similarity(survey, cache)
    with stage("plan"):
        pages = plan_pages(survey)
    with stage("render"):
        versions = asset_versions(project.static)
        env = make_environment(project.templates, versions)
        files, page_digests = render_changed(
            env, pages, cache, (templates_digest(project.templates), versions)
        )
    with stage("search"):
        files.update(cache.remember("search", search_entries(survey), lambda: search_files(survey)))
    files.update(bibtex_files(survey))
    files.update(export_files(survey, pages))
    files.update(static_files(project.static))
    files[".nojekyll"] = b""
    if write:
        with stage("write"):
            hashes = {name: sha256(data) for name, data in files.items() if isinstance(data, bytes)}
            try:
                write_site(project.output, mark_unchanged(files, hashes, cache.files))
            except FileNotFoundError:
                if not incremental:
                    raise
                log.info("the previous site is incomplete; building everything")
                return build(project, write=write, strict=strict, incremental=False)
        log.info("wrote %d files to %s", len(files), project.output)
        cache.fingerprint, cache.output = fingerprint, output_state(project.output)
        cache.pages, cache.warnings = page_digests, warnings
        cache.files = {name: hashes.get(name) or cache.files[name] for name in files}
        cache.save()
    return BuildResult(survey, files, warnings)


def sha256(data: bytes) -> str:
    """The hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def templates_digest(templates: Path) -> str:
    """The templates' content (any change may change every page)."""
    return digest(
        [
            (p.relative_to(templates).as_posix(), p.read_bytes())
            for p in sorted(templates.rglob("*"))
            if p.is_file()
        ]
    )


def render_changed(
    env, pages: list[Page], cache: BuildCache, setting: object
) -> tuple[dict, dict[str, str]]:
    """Render pages whose view (or templates, or assets) changed since the last build."""
    files: dict[str, bytes | Unchanged] = {}
    digests = {}
    for page in pages:
        path = output_path(page.url)
        digests[path] = digest((setting, page.template, page.view))
        if cache.pages.get(path) == digests[path]:
            files[path] = UNCHANGED
        else:
            files[path] = render_page(env, page)
    return files, digests


def mark_unchanged(files: dict, hashes: dict[str, str], previous: dict[str, str]) -> dict:
    """Files whose bytes equal the last build's are linked, not written again."""
    return {
        name: UNCHANGED if previous.get(name) and hashes.get(name) == previous[name] else data
        for name, data in files.items()
    }
