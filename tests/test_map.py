"""The survey map: layout, colours, topic overlap, the page, and what a reader does with it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from surveysite import map_layout, survey_map
from surveysite.build_site import build, load_survey
from surveysite.records import Paper
from surveysite.related import paper_vectors
from tests.conftest import REPO, TOPICS, write_content
from tests.site_checks import broken_links


def corpus(count: int) -> list[Paper]:
    """Papers in three clear themes."""
    themes = [
        "spiking neurons neuromorphic chips energy spikes",
        "pruning sparse lottery tickets magnitude weights",
        "attention transformers tokens language heads",
    ]
    return [
        Paper(
            id=f"p{i:03d}",
            title=f"Study {i} of {themes[i % 3].split()[0]}",
            abstract=" ".join(themes[i % 3].split()[(i // 3) % 3 :]) + f" case{i}",
            path="",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 9, 30])
def test_layout_fits_the_unit_box_for_any_size(count):
    coords = map_layout.layout(paper_vectors(corpus(count)))
    assert coords.shape == (count, 2)
    assert np.isfinite(coords).all()
    assert (coords >= 0).all() and (coords <= 1).all()


def assert_themes_together(coords: np.ndarray) -> None:
    """Papers of a theme (the corpus's i % 3) lie much nearer each other than the themes do."""
    themes = np.arange(len(coords)) % 3
    centres = np.array([coords[themes == t].mean(axis=0) for t in range(3)])
    within = np.mean([np.linalg.norm(xy - centres[t]) for xy, t in zip(coords, themes)])
    between = np.mean([np.linalg.norm(a - b) for a in centres for b in centres if a is not b])
    assert within < between / 2, (within, between)


def test_layout_is_deterministic_and_keeps_themes_together(monkeypatch):
    monkeypatch.setattr(map_layout, "LANDMARKS", 24)  # most papers placed by interpolation
    papers = corpus(90)
    first = map_layout.layout(paper_vectors(papers))
    assert np.array_equal(first, map_layout.layout(paper_vectors(papers)))
    assert_themes_together(first)


def test_lsa_from_a_sample_and_blocks_keep_themes_together(monkeypatch):
    monkeypatch.setattr(map_layout, "LANDMARKS", 24)
    monkeypatch.setattr(map_layout, "LSA_SAMPLE", 45)  # the other half projected onto it
    papers = corpus(90)
    whole = map_layout.layout(paper_vectors(papers))
    assert_themes_together(whole)
    monkeypatch.setattr(map_layout, "BLOCK_ROWS", 7)  # other shapes: other rounding, no more
    assert np.allclose(map_layout.layout(paper_vectors(papers)), whole, rtol=0, atol=1e-9)


def test_colours_by_top_level_topic_and_lumps_the_smallest(tmp_path, monkeypatch):
    project = write_content(tmp_path)
    survey, _ = load_survey(project)
    classes, legend = survey_map.colour_key(survey)
    assert classes["spiking-networks-for-robots"] == classes["attention-is-enough"]  # architectures
    assert [e["slug"] for e in legend] == ["architectures", "efficiency"]
    assert [e["count"] for e in legend] == [2, 1]
    monkeypatch.setattr(survey_map, "PALETTE", 2)
    topics = dict(TOPICS, spiking=re.sub(r"\n *parent: architectures", "", TOPICS["spiking"]))
    survey, _ = load_survey(write_content(tmp_path / "three-roots", topics=topics))
    classes, legend = survey_map.colour_key(survey)
    assert [(e["title"], e["count"]) for e in legend] == [
        ("Spiking networks", 1),
        ("Other topics", 2),
    ]
    assert classes["pruning-lottery-tickets"] == classes["attention-is-enough"] == "map-other"


def test_overlap_counts_shared_papers(tmp_path):
    project = write_content(tmp_path)
    survey, _ = load_survey(project)
    overlap = survey_map.overlap(survey)
    titles = [row["title"] for row in overlap["rows"]]
    assert titles == ["Architectures", "Spiking networks", "Efficiency"]
    arch = overlap["rows"][0]["cells"]
    assert [c["count"] for c in arch] == [1, 0, 1]  # its own papers; none shared with Spiking
    assert [c["shade"] for c in arch] == ["overlap-self", "overlap-0", "overlap-5"]
    pairs = [(p["a"]["title"], p["b"]["title"], p["count"], p["share"]) for p in overlap["pairs"]]
    assert pairs == [("Architectures", "Efficiency", 1, 50)]  # attention-is-enough, matched by rule


def test_map_page_has_a_point_per_paper_and_valid_links(project):
    build(project)
    html = (project.output / "map" / "index.html").read_text(encoding="utf-8")
    points = re.findall(r'<a href="\.\./papers/([a-z0-9-]+)/" class="(map-[a-z0-9]+)"', html)
    assert sorted(pid for pid, _ in points) == sorted(
        p.stem for p in (project.content / "papers").glob("*.yaml")
    )
    assert html.count("<title>") == 1 + len(points)
    assert (
        'class="overlap-table"' in html and '<th scope="col"' in html and '<th scope="row"' in html
    )
    assert " style=" not in html and "<style" not in html
    assert 'href="../map/" aria-current="page"' in html
    assert [b for b in broken_links(project.output, mount="/") if b.startswith("map/")] == []


# What a reader does, in Chromium, on the real survey under a sub-path.


@pytest.fixture
def reader(page: Page, served_site: str):
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    page.on("console", lambda msg: msg.type == "error" and failures.append(f"console: {msg.text}"))
    yield page
    assert failures == []


def test_map_hover_focus_keys_and_click(reader: Page, served_site: str):
    reader.goto(served_site + "map/")
    points = reader.locator("#survey-map a")
    expect(points.first).to_be_attached()
    assert points.count() == len(list((REPO / "content/papers").glob("*.yaml")))
    tip = reader.locator("#map-tip")
    point = points.nth(5)
    title = point.locator("title").text_content()
    point.hover()
    expect(tip).to_be_visible()
    expect(tip.locator("strong")).to_have_text(title)
    point.focus()
    reader.keyboard.press("ArrowRight")
    focused = reader.evaluate("document.activeElement.querySelector('title').textContent")
    expect(tip.locator("strong")).to_have_text(focused)
    assert reader.locator("#survey-map a[tabindex='0']").count() == 1
    href = reader.evaluate("document.activeElement.getAttribute('href')")
    reader.keyboard.press("Enter")
    expect(reader).to_have_url(served_site + href.removeprefix("../"))


def test_map_filters_to_one_topic_and_keeps_it_in_the_url(reader: Page, served_site: str):
    reader.goto(served_site + "map/")
    select = reader.locator("#map-topic")
    option = select.locator("option").nth(1)
    slug, count = option.get_attribute("value"), option.text_content()
    select.select_option(slug)
    expected = int(re.search(r"\((\d+)\)$", count).group(1))
    expect(reader.locator("#survey-map a:not(.is-out)")).to_have_count(expected)
    assert f"topic={slug}" in reader.url
    expect(reader.locator("#map-status")).to_contain_text(f"{expected} of")
    reader.reload()
    expect(reader.locator("#survey-map a:not(.is-out)")).to_have_count(expected)
    legend = reader.locator(f'.legend-item[data-topic="{slug}"]')
    if legend.count():
        expect(legend).to_have_attribute("aria-pressed", "true")


def test_list_view_is_a_keyboard_alternative(reader: Page, served_site: str):
    reader.goto(served_site + "map/")
    reader.get_by_role("button", name="List", exact=True).click()
    expect(reader.locator("#map-figure")).to_be_hidden()
    links = reader.locator("#map-list a")
    assert links.count() == reader.locator("#survey-map a").count()
    assert "view=list" in reader.url
    reader.locator("#map-topic").select_option(index=1)
    shown = reader.locator("#map-list li:not([hidden])").count()
    assert 0 < shown < links.count()
    reader.locator("#map-list li:not([hidden]) a").first.focus()
    reader.keyboard.press("Enter")
    expect(reader).to_have_url(re.compile(r"/survey/papers/[a-z0-9-]+/$"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_map_page_passes_axe(page: Page, served_site: str, scheme: str):
    from axe_playwright_python.sync_playwright import Axe

    page.emulate_media(color_scheme=scheme)
    page.goto(served_site + "map/")
    page.locator("#survey-map a").nth(3).focus()
    violations = Axe().run(page).response["violations"]
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]
    page.get_by_role("button", name="List", exact=True).click()
    violations = Axe().run(page).response["violations"]
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


def test_map_svg_stays_small_per_paper(real_site: Path):
    html = (real_site / "map" / "index.html").read_text(encoding="utf-8")
    svg = html.split('<svg id="survey-map"')[1].split("</svg>")[0]
    per_point = len(svg.encode()) / svg.count("<circle")
    assert per_point < 320, per_point
