"""End-to-end build of the fixture survey: pages, links, escaping, atomic writes."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from surveysite import cli
from surveysite.build_site import build
from surveysite.problems import ContentError
from tests.conftest import write_content


def page(project, url: str) -> str:
    """The built HTML at a site URL."""
    path = (
        project.output / url / "index.html" if not url.endswith(".html") else project.output / url
    )
    return path.read_text(encoding="utf-8")


def test_builds_every_page_kind(project):
    build(project)
    out = project.output
    for url in [
        "",
        "papers/",
        "topics/",
        "search/",
        "topics/spiking/",
        "papers/attention-is-enough/",
    ]:
        assert (out / url / "index.html").is_file(), url
    assert (out / "404.html").is_file()
    assert (out / ".nojekyll").exists()
    assert (out / "search" / "manifest.json").is_file()
    assert (out / "static" / "style.css").is_file()


def test_abstract_is_text_not_markup(project):
    build(project)
    html = page(project, "papers/attention-is-enough/")
    assert "`code`, *stars*, _under_, &lt;b&gt;tags&lt;/b&gt; &amp; more." in html
    assert "<b>tags</b>" not in html


def test_topic_page_cites_and_lists_references(project):
    build(project)
    html = page(project, "topics/architectures/")
    cites = re.findall(r'<a class="cite" href="([^"]+)"[^>]*>(\d+)</a>', html)
    assert cites == [
        ("../../papers/spiking-networks-for-robots/", "1"),
        ("../../papers/attention-is-enough/", "2"),
        ("../../papers/spiking-networks-for-robots/", "1"),
    ]
    references = html.split('id="references-heading"')[1]
    assert references.index("Spiking Networks for Robots") < references.index("Attention Is Enough")


def test_topic_sections_notes_and_parent(project):
    build(project)
    html = page(project, "topics/spiking/")
    assert '<h3 class="section-title" id="section-1">Applications</h3>' in html
    assert "Start here." in html
    assert 'href="../../topics/architectures/"' in html
    parent = page(project, "topics/architectures/")
    assert 'href="../../topics/spiking/"' in parent


def test_match_rules_pull_papers_in(project):
    build(project)
    html = page(project, "topics/efficiency/")
    assert "Pruning Lottery Tickets" in html
    assert "Attention Is Enough" in html  # title:attention
    assert "Spiking Networks for Robots" not in html


def test_paper_page_shows_topics_links_backlinks(project):
    build(project)
    html = page(project, "papers/spiking-networks-for-robots/")
    assert "https://arxiv.org/abs/2301.00001" in html
    assert "Ada Lovelace, Alan Turing" in html
    assert "hf-daily-papers/000" in html
    discussed = html.split("Discussed in")[1].split("</ul>")[0]
    assert "Architectures" in discussed and "Spiking networks" in discussed
    assert 'class="tag tag-main" href="../../topics/spiking/"' in html


def test_previous_next_follow_main_topic(tmp_path):
    topics = {
        "t": "---\ntitle: T\nsummary: S\npapers: [pruning-lottery-tickets, attention-is-enough, spiking-networks-for-robots]\n---\n",
    }
    project = write_content(tmp_path, topics=topics)
    build(project)
    html = page(project, "papers/attention-is-enough/")
    assert 'rel="prev" href="../../papers/pruning-lottery-tickets/"' in html
    assert 'rel="next" href="../../papers/spiking-networks-for-robots/"' in html


def test_every_paper_reachable_from_a_listing(project):
    build(project)
    listing = page(project, "papers/")
    for paper in (project.content / "papers").glob("*.yaml"):
        assert f'href="../papers/{paper.stem}/"' in listing


def test_papers_list_carries_sort_keys(project):
    build(project)
    listing = page(project, "papers/")
    assert listing.index("Attention Is Enough") < listing.index("Pruning Lottery Tickets")
    assert 'data-added="2026-01-03"' in listing


def test_home_lists_topics_with_counts_and_recent(project):
    build(project)
    html = page(project, "")
    assert 'href="topics/architectures/"' in html
    assert re.search(r"Architectures</a>\s*<span class=\"count\">2 papers</span>", html)
    recent = html.split('id="recent-heading"')[1]
    assert recent.index("Attention Is Enough") < recent.index("Spiking Networks")


def test_links_are_relative_and_404_uses_base_path(tmp_path):
    site = "title: S\ndescription: D\nbase_url: https://user.github.io/repo/\n"
    project = write_content(tmp_path, site=site)
    build(project)
    assert 'href="/repo/topics/"' in page(project, "404.html")
    assert '<link rel="canonical" href="https://user.github.io/repo/topics/">' in page(
        project, "topics/"
    )


def test_failed_build_leaves_previous_site(project):
    build(project)
    before = {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    (project.content / "papers" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build(project)
    after = {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    assert after == before
    assert not list(project.output.parent.glob(".site-*"))


def test_removed_paper_disappears(tmp_path):
    project = write_content(tmp_path, topics={})
    build(project)
    (project.content / "papers" / "pruning-lottery-tickets.yaml").unlink()
    build(project)
    assert not (project.output / "papers" / "pruning-lottery-tickets").exists()


def test_two_builds_are_byte_identical(project, tmp_path):
    first = build(project, write=False).files
    second = build(project, write=False).files
    assert first == second


def test_site_has_no_symlinks_and_no_external_assets(project):
    build(project)
    for path in Path(project.output).rglob("*"):
        assert not path.is_symlink()
        if path.suffix == ".html":
            html = path.read_text(encoding="utf-8")
            for ref in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html):
                assert not ref.startswith(("http:", "https:", "//")) or "canonical" in html, ref


def test_build_killed_while_writing_leaves_previous_site(project, monkeypatch):
    from surveysite import write_site as writer

    build(project)
    before = {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    (project.content / "papers" / "pruning-lottery-tickets.yaml").write_text(
        "title: New\nabstract: New.\n"
    )
    written = []
    original = Path.write_bytes

    def die_midway(self, data):
        written.append(self)
        if len(written) == 5:
            raise KeyboardInterrupt  # what a killed build looks like from inside
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", die_midway)
    with pytest.raises(KeyboardInterrupt):
        writer.write_site(project.output, build(project, write=False).files)
    monkeypatch.undo()
    after = {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    assert after == before
    assert not list(project.output.parent.glob(".site-*"))


def test_a_large_site_is_replaced_and_the_old_one_deleted_in_the_background(tmp_path):
    from surveysite import write_site as writer

    output = tmp_path / "site"
    for version in (b"one", b"two", b"three"):
        with writer.staged_site(output, large=True) as staging:
            for n in range(50):
                (staging / f"page-{n}").mkdir()
                (staging / f"page-{n}" / "index.html").write_bytes(version)
        assert (output / "page-7" / "index.html").read_bytes() == version
    deadline = time.monotonic() + 30
    while list(tmp_path.glob(".site-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_source_date_epoch_sets_the_date_the_site_shows(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    assert cli.main(["--root", str(project.root), "-q", "build"]) == 0
    assert "updated 2023-11-14" in page(project, "")


@pytest.mark.parametrize("epoch", ["", "yesterday", "1.7e9", "-1", " 1700000000"])
def test_a_malformed_source_date_epoch_stops_the_run_with_a_clear_error(
    project, monkeypatch, capsys, epoch
):
    """Not a silent fallback to today, nor a traceback from numpy (which reads it too)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert cli.main(["--root", str(project.root), "-q", "build"]) == 2
    error = capsys.readouterr().err
    assert error == (
        f"error: SOURCE_DATE_EPOCH={epoch!r}: expected a Unix time in whole seconds"
        " (digits only), or the variable unset\n"
    )
    assert not project.output.exists()
