"""The build: each line one stage, from content/ to the written site."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .load_content import load_content
from .model import Survey, build_model
from .problems import ContentError, Problem
from .render_pages import asset_versions, make_environment, render_pages
from .search_files import search_files
from .views import plan_pages
from .validate import validate
from .write_site import write_site

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

    survey: Survey
    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log how long a stage took."""
    start = time.perf_counter()
    yield
    log.info("%-8s %6.2f s", name, time.perf_counter() - start)


def load_survey(project: Project, strict: bool = False) -> tuple[Survey, list[Problem]]:
    """Read, validate and cross-reference the content; raise ContentError on any error."""
    problems: list[Problem] = []
    with stage("load"):
        raw = load_content(project.content, problems)
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


def build(project: Project, *, write: bool = True, strict: bool = False) -> BuildResult:
    """Run every stage; write the site only when `write` (check runs all but the write)."""
    survey, warnings = load_survey(project, strict)
    with stage("plan"):
        pages = plan_pages(survey)
    with stage("render"):
        env = make_environment(project.templates, asset_versions(project.static))
        files = render_pages(env, pages)
    with stage("search"):
        files.update(search_files(survey))
    files.update(static_files(project.static))
    files[".nojekyll"] = b""
    if write:
        with stage("write"):
            write_site(project.output, files)
        log.info("wrote %d files to %s", len(files), project.output)
    return BuildResult(survey, files, warnings)
