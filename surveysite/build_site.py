"""The build: each line one stage, from content/ to the written site."""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from .build_cache import BuildCache, digest, input_fingerprint, output_state, part_digest
from .cite_formats import bibtex_inputs, cite_keys, key_fields, use_cite_keys
from .export_files import bibliography_files, feed_files
from .facets import bibtex_files
from .load_content import StubDocument, load_content
from .model import Survey, build_model
from .parallel import Here, Running, Standby, Steps, in_background, in_parallel, workers
from .problems import ContentError, Problem
from .records import Paper
from .render_pages import asset_versions, make_environment, render_page
from .urls import output_path
from .validate import validate
from .views import PagePlan, page_plans, paper_digests
from .write_site import UNCHANGED, Unchanged, check_paths, updated_site, write_file

log = logging.getLogger(__name__)
PARALLEL_MIN_PAPERS = 200  # below this, a second process costs more time than it saves
LARGE_SITE_PAGES = 2000  # from this size on, the replaced site is deleted in the background
WORDS_FILE = "similarity-words.pickle"  # in the build cache's folder


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
    written: int = 0  # files written (the files themselves are in `files` only when not written)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log how long a stage took."""
    start = time.perf_counter()
    yield
    log.info("%-8s %6.2f s", name, time.perf_counter() - start)


def load_survey(
    project: Project, strict: bool = False, cache: BuildCache | None = None
) -> tuple[Survey, list[Problem]]:
    """Read, validate and cross-reference the content; raise ContentError on any error.
    With a `cache`, unchanged files are neither parsed nor checked again."""
    problems: list[Problem] = []
    with stage("load"):
        raw = load_content(project.content, problems, cache.documents if cache else None)
    with stage("validate"):
        content = validate(raw, problems, cache.validated if cache else None)
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


class Similarity:
    """Each paper's related papers, then the map's positions, as they are computed (in
    another process, or here when first asked for) or as the build cache remembered them."""

    def __init__(self, results: Running | Here, store: Callable[[tuple], None]) -> None:
        self.results, self.store = results, store
        self.values: list[dict] = []

    def ready(self) -> bool:
        """Whether the next value asked for is here (or is computed here)."""
        return self.results.ready()

    def related(self) -> dict[str, tuple[str, ...]]:
        """The related papers (waits for them)."""
        if not self.values:
            self.values.append(self.results.next())
        return self.values[0]

    def positions(self) -> dict[str, tuple[float, float]]:
        """The map positions (waits for them)."""
        self.related()
        if len(self.values) == 1:
            self.values.append(self.results())
            self.store(tuple(self.values))
        return self.values[1]


def start_similarity(
    survey: Survey, cache: BuildCache, parallel: bool, standby: Standby | None = None
) -> Similarity:
    """Start computing related papers and map positions (from titles and abstracts) in a
    second process when `parallel` (the `standby` one, if given: it has loaded scikit-learn
    meanwhile), else here when they are first asked for."""
    papers = list(survey.papers.values())
    topics = [frozenset(survey.paper_topics.get(p.id, ())) for p in papers]
    inputs = [
        (text, sorted(t))  # sorted: set order changes between processes
        for text, t in zip(record_parts(survey, "similarity", compared_fields), topics, strict=True)
    ]
    key, known = cache.recall("similarity", inputs)
    if known is not None or not parallel:
        if standby:
            standby.cancel()
        if known is not None:
            return Similarity(Here(iter(known)), lambda value: None)
    compared = [compared_fields(paper) for paper in papers]  # (papers are slower to send)
    compute = functools.partial(similarity, compared, topics, cache.own_file(WORDS_FILE))
    if not parallel:
        results: Running | Here = Here(compute().results)
    elif standby:
        results = standby.run(compute)
    else:
        results = in_background(compute)
    return Similarity(results, functools.partial(cache.store, "similarity", key))


def add_similarity(survey: Survey, cache: BuildCache) -> None:
    """Fill in the survey's related papers and map positions (in this process)."""
    found = start_similarity(survey, cache, parallel=False)
    survey.related, survey.positions = found.related(), found.positions()


def import_similarity() -> None:
    """Load what the related papers need (most of a second of imports; the map's follow)."""
    from .related import import_tfidf

    import_tfidf()


def likely_parallel(content: Path) -> bool:
    """Whether this build will use a second process (judged before reading the content)."""
    try:
        records = sum(1 for _ in os.scandir(content / "papers"))
    except OSError:
        return False
    return workers() > 1 and records >= PARALLEL_MIN_PAPERS


def similarity(
    compared: list[tuple[str, str, str]], topics: list[frozenset[str]], words: Path | None = None
) -> Steps[dict]:
    """Each paper's related papers, then its position on the map (see Similarity), from
    each paper's compared_fields and topics (and the words of its text, kept in the file
    `words` between builds: see related.AnalysedWords)."""

    def results() -> Iterator[dict]:
        from .map_layout import layout
        from .related import AnalysedWords, paper_text, related_papers, text_vectors

        ids = [paper_id for paper_id, _, _ in compared]
        with stage("related"):
            analysed = AnalysedWords(words)
            texts = [paper_text(title, abstract) for _, title, abstract in compared]
            vectors = text_vectors(texts, analysed)
            related = related_papers(ids, vectors, topics)
        yield related
        analysed.save()
        with stage("map"):
            coords = layout(vectors).tolist()
        yield dict(zip(ids, map(tuple, coords), strict=True))

    return Steps(results())


def record_parts(survey: Survey, kind: str, part: Callable[[Paper], Any]) -> list[str]:
    """The digest of `part(paper)` for each paper, in survey order. Each is kept with its
    record in the build cache (see Survey.digests), so only changed records are hashed."""
    return [
        part_digest(survey.digests_of(pid), kind, functools.partial(part, paper))
        for pid, paper in survey.papers.items()
    ]


def compared_fields(paper: Paper) -> tuple:
    """What related papers and the map are computed from (with the paper's topics)."""
    return paper.id, paper.title, paper.abstract


def output_files(
    cache: BuildCache, name: str, inputs: Any, make: Callable[[], dict[str, bytes]]
) -> dict[str, bytes | Unchanged]:
    """The output files `make()` returns, or, when `inputs` are those the last build made
    them from, their names only: they are in the site already (UNCHANGED)."""
    key = digest(inputs)
    names = cache.saved_files(name, key)
    if names is not None:
        return dict.fromkeys(names, UNCHANGED)
    files = make()
    cache.memo_files[name] = (key, list(files))
    return files


def make_search(survey: Survey) -> dict[str, bytes]:
    """The search files (numpy and lunr are loaded only when they are made again)."""
    from . import search_files

    return search_files.search_files(survey)


def searched_fields(paper: Paper) -> tuple:
    """What the search files show and index of a paper (with its topics' titles): see
    search_files.search_entries."""
    return paper.id, paper.title, paper.authors, paper.abstract, paper.year


def search_inputs(survey: Survey) -> list:
    """What the search files are made from."""
    topics = [
        tuple(survey.topics[s].title for s in survey.paper_topics.get(pid, ()))
        for pid in survey.papers
    ]
    return list(zip(record_parts(survey, "search", searched_fields), topics, strict=True))


def feed_fields(paper: Paper) -> tuple:
    """What the feeds show of a paper (not its notes or code link, nor the lines of its
    record; the bibliographies are made from its BibTeX entry: see bibtex_inputs)."""
    return (
        paper.id,
        paper.title,
        paper.abstract,
        paper.authors,
        paper.year,
        paper.venue,
        paper.arxiv,
        paper.doi,
        paper.url,
        paper.pdf,
        paper.added,
        paper.sources,
    )


def export_outputs(
    survey: Survey, cache: BuildCache, page_urls: list[str]
) -> dict[str, bytes | Unchanged]:
    """The citation exports (.bib files, the BibTeX of every paper) and the feeds (with the
    sitemap), each made again only when its inputs changed (see output_files)."""
    keys = cache.remember(
        "cite-keys", record_parts(survey, "cite-key", key_fields), lambda: cite_keys(survey.papers)
    )
    use_cite_keys(survey.papers, keys)
    bibliographies = output_files(
        cache,
        "bibliographies",
        (
            survey.site,
            record_parts(survey, "bibtex", bibtex_inputs),
            keys,
            [(slug, t.title) for slug, t in survey.topics.items()],
            survey.members,
        ),
        lambda: {**bibtex_files(survey), **bibliography_files(survey)},
    )
    feeds = output_files(
        cache,
        "feeds",
        (
            survey.site,
            record_parts(survey, "feed", feed_fields),
            [(slug, t.title, t.summary) for slug, t in survey.topics.items()],
            survey.members,
            survey.paper_topics,
            page_urls,
        ),
        lambda: feed_files(survey, page_urls),
    )
    return {**bibliographies, **feeds}


@contextmanager
def collector_relaxed(threshold: int = 100_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often: a build makes millions of small objects
    (records, views, cache entries) and almost no cycles, and with the default threshold the
    collector scans them over and over (about a second of a 10,000-paper rebuild)."""
    before = gc.get_threshold()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def build(
    project: Project, *, write: bool = True, strict: bool = False, incremental: bool = True
) -> BuildResult:
    """Run every stage (see `build_stages`), with the garbage collector relaxed."""
    with collector_relaxed():
        return build_stages(project, write=write, strict=strict, incremental=incremental)


def build_stages(project: Project, *, write: bool, strict: bool, incremental: bool) -> BuildResult:
    """Run every stage; write the site only when `write` (check runs all but the write).

    An incremental build (the default when writing) skips everything when no input changed,
    re-parses and re-checks only changed files, makes only pages whose inputs changed, and
    writes only files whose bytes changed (see write_site.updated_site); the site is exactly
    what a full build writes. Large surveys use two processes (see parallel.py); the output
    is the same.
    """
    cache = BuildCache.open(project.root) if write and incremental else BuildCache()
    inputs = [project.content, project.templates, project.static]
    fingerprint = input_fingerprint(inputs, project.output, strict)
    if write and cache.fingerprint == fingerprint and cache.output == output_state(project.output):
        log.info("nothing changed: %s is up to date", project.output)
        return BuildResult(None, {}, cache.warnings, unchanged=True)
    if not cache.describes(project.output):
        cache.forget_output()  # built into another folder since, or replaced: make every page
    standby = Standby(import_similarity) if likely_parallel(project.content) else None
    try:
        cache.read_records()
        survey, warnings = load_survey(project, strict, cache)
    except BaseException as error:
        if standby:
            standby.cancel()
        if not isinstance(error, StubDocument):  # (only a saved cache has stub documents)
            raise
        log.info("the build cache is incomplete; building everything")
        return build_stages(project, write=write, strict=strict, incremental=False)
    parts = workers() if len(survey.papers) >= PARALLEL_MIN_PAPERS else 1
    similar = start_similarity(survey, cache, parts > 1, standby)
    with stage("search"):
        files = output_files(cache, "search", search_inputs(survey), lambda: make_search(survey))
    searched = len(files)
    log.info("%d search files", searched)
    plans = page_plans(survey)
    with stage("exports"):
        files.update(export_outputs(survey, cache, [plan.url for plan in plans]))
        files.update(static_files(project.static))
        files[".nojekyll"] = b""
    log.info("%d citation, feed and asset files", len(files) - searched)
    versions = asset_versions(project.static)
    env = make_environment(project.templates, versions)
    setting = (templates_digest(project.templates), versions)
    if not write:
        survey.related, survey.positions = similar.related(), similar.positions()
        with stage("pages"):
            for plan in plans:
                files[output_path(plan.url)] = render_page(env, plan.make())
        return BuildResult(survey, files, warnings)
    paper_digests(survey)  # here, so that they are saved: page checks run in other processes
    paths = [*files, *(output_path(plan.url) for plan in plans)]
    if cache.files.keys() != set(paths):  # (the last build checked the same paths)
        check_paths(paths)
    hashes = {
        name: cache.files[name] if data is UNCHANGED else sha256(data)
        for name, data in files.items()
    }
    try:
        large = len(plans) >= LARGE_SITE_PAGES
        with updated_site(project.output, large, patch=incremental) as update:
            with stage("write"):
                for name, data in files.items():
                    if cache.files.get(name) == hashes[name]:
                        update.unchanged.append(name)
                    else:
                        write_file(update.staging, name, data)
                        update.written.append(name)
            files = dict.fromkeys(files, UNCHANGED)  # their bytes are freed before pages fork
            with stage("pages"):
                maker = PageMaker(env, setting, cache, update.staging)
                pages = make_pages(survey, plans, similar, maker, parts)
                for path, page in pages.items():
                    (update.written if page.written else update.unchanged).append(path)
                log.info(
                    "%d pages, %d rendered, %d changed",
                    len(pages),
                    sum(page.rendered for page in pages.values()),
                    sum(page.written for page in pages.values()),
                )
    except FileNotFoundError:
        if not incremental:
            raise
        log.info("the previous site is incomplete; building everything")
        return build_stages(project, write=write, strict=strict, incremental=False)
    log.info("wrote %d files to %s", len(update.written), project.output)
    cache.fingerprint, cache.output = fingerprint, output_state(project.output)
    cache.output_path = str(project.output.resolve())
    cache.warnings = warnings
    cache.pages = {path: page.key for path, page in pages.items()}
    cache.files = {name: hashes[name] for name in files}
    cache.files.update({path: page.file_hash for path, page in pages.items()})
    cache.save()
    return BuildResult(survey, {}, warnings, written=len(files) + len(pages))


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


@dataclass(frozen=True)
class PageResult:
    """What became of one page: the key its content was judged by, its file's hash, whether
    its view was made and rendered, and whether its file was written (its bytes changed)."""

    key: str
    file_hash: str
    rendered: bool
    written: bool


def page_key(plan: PagePlan, setting: object) -> str:
    """The digest of a page's inputs, with the templates and assets."""
    return digest((setting, plan.url, plan.inputs()))


def make_pages(
    survey: Survey, plans: list[PagePlan], similar: Similarity, maker: PageMaker, parts: int
) -> dict[str, PageResult]:
    """Every page, in the order of `plans`, made in `parts` processes.

    While the related papers are still being computed in the other process, this one makes
    the pages that show nothing of them; while the map's positions are, the pages that do
    not show those. Only then are the rest made in `parts` processes: never more processes
    than cores, and no page-making process beside the map's, which in a large survey holds
    hundreds of megabytes.
    """
    pages: dict[str, PageResult] = {}
    meanwhile(maker, [plan for plan in plans if not plan.shows], similar.ready, pages)
    survey.related = similar.related()
    waiting = [plan for plan in plans if "positions" not in plan.shows]
    meanwhile(maker, waiting, similar.ready, pages)
    survey.positions = similar.positions()
    pages.update(maker.make([p for p in plans if output_path(p.url) not in pages], parts))
    return {output_path(plan.url): pages[output_path(plan.url)] for plan in plans}


def meanwhile(
    maker: PageMaker, plans: list[PagePlan], done: Callable[[], bool], pages: dict
) -> None:
    """Make the pages of `plans` not yet in `pages`, one by one, into `pages`, until `done()`."""
    for plan in plans:
        if done():
            return
        if output_path(plan.url) not in pages:
            pages.update(maker.make([plan]))


@dataclass(frozen=True)
class PageMaker:
    """Makes pages: those whose inputs are the last build's are kept as they are; the others
    are made, rendered, and written into `staging` if their bytes changed."""

    env: jinja2.Environment
    setting: object  # the templates and asset versions
    cache: BuildCache
    staging: Path

    def make(self, plans: list[PagePlan], parts: int = 1) -> dict[str, PageResult]:
        """The pages of `plans`, in `parts` processes (the halves interleaved: the list of
        all papers and the map of a large survey take a second or more, and go apart)."""
        pages = {}
        if self.cache.pages:  # an incremental build: first find the pages to make again
            pages = self.in_parts(self.unchanged, plans, parts)
        todo = [plan for plan in plans if output_path(plan.url) not in pages]
        return {**pages, **self.in_parts(self.write, todo, parts)}

    @staticmethod
    def in_parts(
        task: Callable[[list[PagePlan]], dict[str, PageResult]], plans: list[PagePlan], parts: int
    ) -> dict[str, PageResult]:
        """`task` of every `parts`-th plan in `parts` processes (one for fewer than two plans)."""
        if parts < 2 or len(plans) < 2:
            return task(plans)
        results: dict[str, PageResult] = {}
        for found in in_parallel(lambda part, parts: task(plans[part::parts]), parts):
            results.update(found)
        return results

    def unchanged(self, plans: list[PagePlan]) -> dict[str, PageResult]:
        """The pages whose inputs are those of the last build: they need not be made (at
        10,000 papers, checking them all takes about half a second of one core)."""
        found = {}
        for plan in plans:
            path = output_path(plan.url)
            if path not in self.cache.files:
                continue
            key = page_key(plan, self.setting)
            if self.cache.pages.get(path) == key:
                found[path] = PageResult(key, self.cache.files[path], rendered=False, written=False)
        return found

    def write(self, plans: list[PagePlan]) -> dict[str, PageResult]:
        """Make and render pages, and write those whose bytes changed."""
        results = {}
        for plan in plans:
            path = output_path(plan.url)
            data = render_page(self.env, plan.make())
            file_hash = sha256(data)
            changed = file_hash != self.cache.files.get(path)
            if changed:
                write_file(self.staging, path, data)
            results[path] = PageResult(page_key(plan, self.setting), file_hash, True, changed)
        return results
