"""Incremental builds write exactly what a full build writes, and only redo what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveysite import build_site, search_files
from surveysite.build_site import Project, build


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def full_build(project: Project, tmp_path: Path) -> dict[str, bytes]:
    """A clean build of the same content into another folder, without the cache."""
    other = Project(
        project.root, project.content, project.templates, project.static, tmp_path / "full-site"
    )
    build(other, incremental=False)
    files = tree(other.output)
    return files


@pytest.fixture
def counted(monkeypatch):
    """Count pages rendered and search builds."""
    calls = {"render": 0, "search": 0}
    render, search = build_site.render_page, search_files.search_files

    def count_render(*args):
        calls["render"] += 1
        return render(*args)

    def count_search(*args):
        calls["search"] += 1
        return search(*args)

    monkeypatch.setattr(build_site, "render_page", count_render)
    monkeypatch.setattr(search_files, "search_files", count_search)
    return calls


def test_no_change_rebuild_does_nothing(project, counted):
    build(project)
    before = tree(project.output)
    result = build(project)
    assert result.unchanged
    assert tree(project.output) == before


def test_editing_notes_rerenders_one_page_and_keeps_the_index(project, tmp_path, counted):
    build(project)
    counted.update(render=0, search=0)
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: A *curated* note.\n")
    build(project)
    assert counted == {"render": 1, "search": 0}
    assert tree(project.output) == full_build(project, tmp_path)


def test_editing_an_abstract_rebuilds_the_index(project, tmp_path, counted):
    build(project)
    counted.update(render=0, search=0)
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text().replace("Sparse subnetworks", "Sparse sub-networks"))
    build(project)
    assert counted["search"] == 1
    assert 0 < counted["render"] < 8
    assert tree(project.output) == full_build(project, tmp_path)


def test_an_edit_past_the_start_of_an_abstract_renders_no_page_that_lists_the_paper(
    project, tmp_path, monkeypatch
):
    """Lists show a paper's card, with only the start of its abstract (see views.snippet)."""
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    first = "Sparse subnetworks found by pruning train as well as the dense network."
    longer = f"{first} They are found early in training, and they transfer between tasks. " * 3
    path.write_text(path.read_text().replace(first, longer.strip()))
    build(project)
    rendered: list[str] = []
    render = build_site.render_page
    monkeypatch.setattr(
        build_site, "render_page", lambda env, page: rendered.append(page.url) or render(env, page)
    )
    path.write_text(path.read_text().replace("between tasks.\n", "between tasks. Edited.\n"))
    build(project)
    assert "papers/pruning-lottery-tickets/" in rendered
    assert not [url for url in rendered if url in ("", "papers/") or url.startswith("topics/")]
    assert tree(project.output) == full_build(project, tmp_path)


def test_editing_a_topic_and_a_template(project, tmp_path):
    build(project)
    topic = project.content / "topics" / "efficiency.md"
    topic.write_text(topic.read_text() + "\nMore text.\n")
    build(project)
    assert tree(project.output) == full_build(project, tmp_path)
    template = project.templates / "paper.html"
    template.write_text(template.read_text().replace("Abstract</h2>", "Summary</h2>"))
    build(project)
    assert (
        "Summary</h2>"
        in (project.output / "papers" / "attention-is-enough" / "index.html").read_text()
    )
    assert tree(project.output) == full_build(project, tmp_path / "again")


def test_removed_paper_leaves_nothing_stale(project, tmp_path):
    build(project)
    (project.content / "papers" / "attention-is-enough.yaml").unlink()
    for topic in ("architectures",):
        path = project.content / "topics" / f"{topic}.md"
        path.write_text(
            path.read_text()
            .replace("[attention-is-enough]", "[]")
            .replace("@attention-is-enough; ", "")
        )
    build(project)
    assert not (project.output / "papers" / "attention-is-enough").exists()
    assert tree(project.output) == full_build(project, tmp_path)


def test_damaged_site_is_rebuilt_in_full(project, tmp_path):
    build(project)
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: Changed.\n")
    (project.output / "papers" / "attention-is-enough" / "index.html").unlink()
    build(project)
    assert tree(project.output) == full_build(project, tmp_path)


def test_cache_hits_across_processes(project):
    """Set order differs between processes (hash randomisation): the cache must not depend on it."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    def run(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, str(REPO / "build.py"), "--root", str(project.root)]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stderr

    run("1")
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: A note.\n")
    log = run("2")
    assert "related" not in log  # the similarity stage came from the cache


def test_exports_depend_only_on_the_fields_in_their_cache_key(project):
    """The bibliographies are remembered between builds by `bibtex_inputs`, the feeds by
    `feed_fields`, both with the topics' titles (and summaries, for the feeds): every other
    field of a record (the abstract for the bibliographies; notes, code, path, line numbers,
    a topic's text for both) must not change them."""
    import dataclasses
    import datetime

    from surveysite.cite_formats import bibtex_inputs
    from surveysite.export_files import bibliography_files, feed_files
    from surveysite.facets import bibtex_files

    survey, _ = build_site.load_survey(project)
    bibliographies = {**bibtex_files(survey), **bibliography_files(survey)}
    feeds = feed_files(survey, ["", "papers/"])
    common = {"notes": "Changed notes.", "code": "https://example.org/code", "path": "x.yaml"}
    topics = {
        slug: dataclasses.replace(t, body="Rewritten.", path="y.md")
        for slug, t in survey.topics.items()
    }
    other_papers = {
        pid: dataclasses.replace(paper, **common, lines={}) for pid, paper in survey.papers.items()
    }
    other = dataclasses.replace(survey, papers=other_papers, topics=topics)
    assert all(
        build_site.feed_fields(other_papers[pid]) == build_site.feed_fields(paper)
        for pid, paper in survey.papers.items()
    )
    assert feed_files(other, ["", "papers/"]) == feeds
    rewritten = {
        pid: dataclasses.replace(
            paper,
            **common,
            abstract="Rewritten.",
            pdf="https://example.org/a.pdf",
            sources=(),
            topics=(),
            added=datetime.date(1999, 1, 1),  # (the citation keys it may change are an input)
        )
        for pid, paper in survey.papers.items()
    }
    other = dataclasses.replace(survey, papers=rewritten, topics=topics)
    assert all(
        bibtex_inputs(rewritten[pid]) == bibtex_inputs(paper)
        for pid, paper in survey.papers.items()
    )
    assert {**bibtex_files(other), **bibliography_files(other)} == bibliographies
    assert feed_files(other, ["", "papers/"]) != feeds  # the abstracts are in the feeds


def test_remembered_values_are_saved_apart_and_only_when_changed(
    project, tmp_path, counted, monkeypatch
):
    computed = []
    similarity = build_site.similarity
    monkeypatch.setattr(
        build_site, "similarity", lambda *args: computed.append(1) or similarity(*args)
    )
    build(project)
    folder = project.root / ".surveysite-cache"
    remembered = folder / "memo-similarity.pickle"
    assert remembered.exists() and not (folder / "memo-search.pickle").exists()  # in the site
    written = remembered.stat().st_mtime_ns
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: Saved apart.\n")
    build(project)
    assert counted["search"] == 1 and len(computed) == 1
    assert remembered.stat().st_mtime_ns == written
    remembered.write_bytes(b"not a pickle")  # a damaged file is computed again, never trusted
    path.write_text(path.read_text().replace("Saved apart.", "Saved apart, again."))
    build(project)
    assert counted["search"] == 1 and len(computed) == 2
    assert tree(project.output) == full_build(project, tmp_path)


def edit(project: Project, relative: str, old: str, new: str) -> None:
    path = project.content / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1))


EDITS = [  # (what changes, file, old text, new text): each shows on pages other than its own
    (
        "a title, shown in cards, references and citations",
        "papers/attention-is-enough.yaml",
        "title: Attention Is Enough",
        "title: Attention Is Plenty",
    ),
    (
        "notes citing another paper",
        "papers/pruning-lottery-tickets.yaml",
        "added: 2026-01-01",
        "added: 2026-01-01\nnotes: See [@spiking-networks-for-robots].",
    ),
    (
        "the cited paper's title",
        "papers/spiking-networks-for-robots.yaml",
        "title: Spiking Networks for Robots",
        "title: Spiking Networks for Robot Arms",
    ),
    (
        "authors and year, which make the citation key",
        "papers/attention-is-enough.yaml",
        "added: 2026-01-03",
        "added: 2026-01-03\nauthors: [Grace Hopper]\nyear: 2024",
    ),
    (
        "the newest added date, shown on every page",
        "papers/attention-is-enough.yaml",
        "added: 2026-01-03",
        "added: 2026-02-03",
    ),
    (
        "a topic title, shown on its papers' pages",
        "topics/spiking.md",
        "title: Spiking networks",
        "title: Spiking neural networks",
    ),
    ("a note in a topic's list", "topics/spiking.md", "note: Start here.", "note: Begin here."),
    ("a topic's text", "topics/efficiency.md", "Pruning finds sparse", "Pruning finds small"),
    (
        "a topic's place in the tree",
        "topics/spiking.md",
        "parent: architectures",
        "parent: efficiency",
    ),
    (
        "a match rule, which moves papers between topics",
        "topics/efficiency.md",
        'match: [pruning, "title:attention"]',
        "match: [pruning]",
    ),
    ("the site's settings", "site.yaml", "title: Fixture Survey", "title: Fixture Survey, Revised"),
]


def test_every_kind_of_edit_gives_what_a_full_build_gives(project, tmp_path, counted):
    """Pages whose inputs are unchanged are not made again: every input a page shows must be
    among its inputs, or this finds the stale page."""
    build(project)
    for n, (what, relative, old, new) in enumerate(EDITS):
        counted.update(render=0)
        edit(project, relative, old, new)
        build(project)
        assert counted["render"] > 0, what
        assert tree(project.output) == full_build(project, tmp_path / str(n)), what


def test_a_new_paper_is_added_to_every_list(project, tmp_path):
    build(project)
    (project.content / "papers" / "new-pruning-paper.yaml").write_text(
        "title: A New Pruning Paper\nadded: 2026-03-01\nabstract: Pruning again, better.\n"
    )
    build(project)
    assert (project.output / "papers" / "new-pruning-paper" / "index.html").exists()
    assert tree(project.output) == full_build(project, tmp_path)


def test_equal_values_hash_equal_whatever_objects_they_share():
    from surveysite.build_cache import digest

    shared = "x" * 40
    assert digest((shared, shared)) == digest((shared, "".join(["x"] * 40)))
    assert digest({"a": [1, 2.5, None]}) != digest({"a": [1, 2.5]})


def test_an_update_killed_while_moving_files_in_is_finished_by_the_next_build(
    project, tmp_path, monkeypatch
):
    import os

    from surveysite import write_site

    build(project)
    edit(
        project,
        "papers/attention-is-enough.yaml",
        "title: Attention Is Enough",
        "title: Attention, Again",
    )
    moved = []
    replace = os.replace

    def killed_after_one(source, target):
        if moved:
            raise KeyboardInterrupt
        moved.append(target)
        replace(source, target)

    monkeypatch.setattr(write_site.os, "replace", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        build(project)
    monkeypatch.undo()
    assert len(moved) == 1 and list(
        project.root.glob(".site-staging-*")
    )  # half moved, journal kept
    build(project)
    assert not list(project.root.glob(".site-*"))
    assert tree(project.output) == full_build(project, tmp_path)


def page_digests(project: Project) -> dict[str, tuple[str, str]]:
    """Each page's (inputs digest, view digest); no related papers, so that every other
    input decides alone."""
    from surveysite.build_cache import digest
    from surveysite.views import page_plans

    survey, _ = build_site.load_survey(project)
    return {
        plan.url: (digest(plan.inputs()), digest(plan.make().view)) for plan in page_plans(survey)
    }


def test_a_page_whose_view_changes_has_changed_inputs(project):
    before = page_digests(project)
    assert {"papers/", "map/", "topics/spiking/", "papers/attention-is-enough/"} <= set(before)
    for what, relative, old, new in EDITS:
        edit(project, relative, old, new)
        after = page_digests(project)
        stale = [
            url
            for url, (inputs, view) in after.items()
            if url in before and before[url][0] == inputs and before[url][1] != view
        ]
        assert stale == [], what
        before = after


def test_parsed_records_are_saved_in_parts_and_only_the_changed_part_is_written(
    project, tmp_path, monkeypatch
):
    from surveysite import validate
    from surveysite.build_cache import record_shard

    checked = []
    check = validate.validate_paper
    monkeypatch.setattr(
        validate, "validate_paper", lambda doc, found: checked.append(doc.stem) or check(doc, found)
    )
    build(project)
    assert len(checked) == 3
    folder = project.root / ".surveysite-cache"
    written = {p.name: p.stat().st_mtime_ns for p in folder.glob("records-*.pickle")}
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: Saved in one part.\n")
    build(project)
    assert checked[3:] == ["pruning-lottery-tickets"]  # the others were checked last time
    changed = {
        p.name
        for p in folder.glob("records-*.pickle")
        if p.stat().st_mtime_ns != written.get(p.name)
    }
    assert changed == {f"records-{record_shard(str(path))}.pickle"}
    for part in folder.glob("records-*.pickle"):
        part.write_bytes(b"damaged")  # files are parsed again, never trusted
    path.write_text(path.read_text().replace("Saved in one part.", "Parsed again."))
    build(project)
    assert tree(project.output) == full_build(project, tmp_path)


def test_a_cache_of_another_version_reads_no_records(project, monkeypatch):
    from surveysite import build_cache

    build(project)
    cache = build_cache.BuildCache.open(project.root)
    assert not cache.documents  # read only when a build needs them
    cache.read_records()
    assert len(cache.documents) == 6 and len(cache.validated) == 6  # 3 papers, 3 topics
    monkeypatch.setattr(build_cache, "code_version", lambda: "another version")
    other = build_cache.BuildCache.open(project.root)
    other.read_records()
    assert not other.documents and not other.validated


def test_the_code_version_is_its_source_not_the_files_python_compiles_on_import(
    tmp_path, monkeypatch
):
    from surveysite import build_cache

    package = tmp_path / "package"
    (package / "__pycache__").mkdir(parents=True)
    (package / "stage.py").write_text("STAGE = 1\n")
    monkeypatch.setattr(build_cache, "PACKAGE", package)
    version = build_cache.code_version()
    (package / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"compiled on first import")
    assert build_cache.code_version() == version
    (package / "stage.py").write_text("STAGE = 22\n")
    assert build_cache.code_version() != version


def test_saved_documents_keep_only_their_names_and_a_lost_record_means_a_full_build(
    project, tmp_path, caplog
):
    from surveysite.build_cache import BuildCache

    build(project)
    cache = BuildCache.open(project.root)
    cache.read_records()
    assert all(entry[0].stub and not entry[0].data for entry in cache.validated.values())
    assert all(entry[3] for name, entry in cache.validated.items() if "papers/" in name)
    lost = next(name for name in cache.validated if "papers/" in name)
    del cache.validated[lost]  # its stub document is kept: the record cannot be rebuilt from it
    cache.save()
    path = project.content / "topics" / "efficiency.md"
    path.write_text(path.read_text() + "\nAdded after the record was lost.\n")
    with caplog.at_level("INFO"):
        build(project)
    assert "the build cache is incomplete; building everything" in caplog.text
    assert tree(project.output) == full_build(project, tmp_path)


def test_record_digests_are_kept_and_made_only_for_changed_records(project, monkeypatch):
    from surveysite import build_cache, views

    build(project)
    made = []

    def counted_part_digest(digests, kind, part):
        if kind not in digests:
            made.append(kind)
        return build_cache.part_digest(digests, kind, part)

    monkeypatch.setattr(views, "part_digest", counted_part_digest)
    monkeypatch.setattr(build_site, "part_digest", counted_part_digest)
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: A new line.\n")
    build(project)
    kinds = {"card", "record", "similarity", "search", "cite-key", "bibtex", "feed"}
    assert sorted(made) == sorted(kinds)  # the edited record's parts, none of the others'
    cache = build_cache.BuildCache.open(project.root)
    cache.read_records()
    digests = [entry[3] for name, entry in cache.validated.items() if "papers/" in name]
    assert len(digests) == 3 and all(d.keys() == kinds for d in digests)


def test_building_into_another_folder_in_between_leaves_nothing_stale(project, tmp_path):
    import shutil

    other = Project(
        project.root, project.content, project.templates, project.static, tmp_path / "other"
    )
    build(project)
    shutil.copytree(project.output, tmp_path / "old-copy")
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text() + "notes: Only in the other folder so far.\n")
    build(other)
    build(other)  # the cache now describes the other folder, which has the notes
    build(project)
    assert tree(project.output) == full_build(project, tmp_path)
    shutil.rmtree(project.output)
    (tmp_path / "old-copy").rename(project.output)  # a copy from before the edit, put back
    build(project)
    assert tree(project.output) == full_build(project, tmp_path)


def test_a_new_cache_deletes_the_remembered_values_of_an_older_one(project, monkeypatch):
    from surveysite import build_cache

    build(project)
    folder = project.root / ".surveysite-cache"
    old = folder / "memo-search.pickle"  # as an older version kept the search files
    old.write_bytes(b"37 MB of an older version's search files")
    monkeypatch.setattr(build_cache, "code_version", lambda: "another version")
    build(project)
    assert not old.exists() and (folder / "memo-similarity.pickle").exists()
