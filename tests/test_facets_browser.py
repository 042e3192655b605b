"""Faceted browsing of all papers, in Chromium: filters combine, live in the URL, export BibTeX."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from surveysite.build_site import build
from tests.conftest import PAPERS, REPO, http_server, write_content


@pytest.fixture
def reader(page: Page):
    """A page that fails the test on any script error or failed request."""
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    page.on("console", lambda msg: msg.type == "error" and failures.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 400 and failures.append(f"HTTP {r.status} {r.url}"))
    yield page
    assert failures == []


def shown_cards(page: Page) -> list[dict]:
    """The cards a reader sees, in order, with their facet attributes."""
    return page.locator("#all-papers > li:not([hidden])").evaluate_all(
        "els => els.map(e => ({id: e.dataset.id, t: e.dataset.t.split(' '), s: e.dataset.s.split(' '),"
        " year: e.dataset.year, added: e.dataset.added, text: e.textContent.toLowerCase()}))"
    )


def option_count(text: str) -> int:
    return int(re.search(r"\((\d+)\)$", text.strip()).group(1))


def real_sources() -> dict[str, int]:
    """How many real papers each source listing holds."""
    counts: dict[str, int] = {}
    for path in (REPO / "content" / "papers").glob("*.yaml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources") or []:
            counts[source] = counts.get(source, 0) + 1
    return counts


def test_topic_and_text_filters_combine_and_live_in_the_url(reader: Page, served_site: str):
    reader.goto(served_site + "papers/")
    total = reader.locator("#all-papers > li").count()
    topic = reader.locator("#facet-topic")
    option = topic.locator("option[data-n]").nth(2)
    slug, number = option.get_attribute("value"), option.get_attribute("data-n")
    expected = option_count(option.text_content())
    topic.select_option(slug)
    expect(reader.locator("#facet-status")).to_have_text(f"Showing {expected} of {total} papers.")
    cards = shown_cards(reader)
    assert len(cards) == expected and all(number in card["t"] for card in cards)

    word = re.findall(r"[a-z]{6,}", cards[0]["text"])[0]
    reader.locator("#facet-q").fill(word.upper())
    narrowed = shown_cards(reader)
    assert 0 < len(narrowed) <= expected
    assert all(word in card["text"] and number in card["t"] for card in narrowed)
    assert f"topic={slug}" in reader.url and f"q={word.upper()}" in reader.url

    reader.goto(reader.url)  # a shared link shows the same list
    expect(reader.locator("#facet-q")).to_have_value(word.upper())
    expect(reader.locator("#facet-topic")).to_have_value(slug)
    assert [c["id"] for c in shown_cards(reader)] == [c["id"] for c in narrowed]

    reader.get_by_role("button", name="Clear filters").click()
    expect(reader.locator("#all-papers > li:not([hidden])")).to_have_count(total)
    assert "topic=" not in reader.url and "q=" not in reader.url


def test_source_filter_and_counts_of_the_other_facets(reader: Page, served_site: str):
    reader.goto(served_site + "papers/")
    sources = real_sources()
    name = min(sources)
    reader.locator("#facet-source").select_option(name)
    expect(reader.locator("#all-papers > li:not([hidden])")).to_have_count(sources[name])
    topic_total = option_count(reader.locator("#facet-topic option").first.text_content())
    assert topic_total == sources[name]  # topic counts follow the source filter
    assert f"source={name.replace('/', '%2F')}" in reader.url


def test_sorting_keeps_the_filters(reader: Page, served_site: str):
    reader.goto(served_site + "papers/?topic=" + first_topic_slug(reader, served_site))
    before = {c["id"] for c in shown_cards(reader)}
    reader.get_by_role("button", name="Date added").click()
    after = shown_cards(reader)
    assert {c["id"] for c in after} == before
    assert [c["added"] for c in after] == sorted((c["added"] for c in after), reverse=True)
    assert "sort=added" in reader.url and "topic=" in reader.url


def first_topic_slug(page: Page, served_site: str) -> str:
    page.goto(served_site + "papers/")
    return page.locator("#facet-topic option[data-n]").first.get_attribute("value")


def test_export_downloads_the_filtered_list_as_bibtex(
    reader: Page, served_site: str, real_site: Path
):
    reader.goto(served_site + "papers/")
    reader.locator("#facet-q").fill("spiking")
    shown = [c["id"] for c in shown_cards(reader)]
    assert shown
    with reader.expect_download() as download:
        reader.get_by_role("button", name="Download as BibTeX").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    entries = json.loads((real_site / "papers" / "bibtex.json").read_text(encoding="utf-8"))
    assert text == "\n".join(entries[pid] for pid in shown)
    assert text.count("\n@") + 1 == len(shown)
    assert download.value.suggested_filename == "papers.bib"
    expect(reader.locator("#facet-export-status")).to_contain_text(f"{len(shown)} entr")


def test_papers_page_with_filters_passes_axe(page: Page, served_site: str):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(served_site + "papers/?q=network&sort=added")
    expect(page.locator("#facets")).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


@pytest.fixture
def fixture_site(tmp_path: Path):
    """The fixture survey with years, served under /sub/."""
    papers = dict(
        PAPERS,
        **{
            "old-idea": "title: An Old Idea_with 50% & {braces}\nyear: 2021\nauthors: [Grace Hopper]\nabstract: Spiking again.\n"
        },
    )
    project = write_content(tmp_path / "project", papers=papers)
    project = type(project)(
        project.root, project.content, project.templates, project.static, tmp_path / "www" / "sub"
    )
    build(project)
    with http_server(tmp_path / "www") as base:
        yield f"{base}/sub/"


def test_year_filter_and_export_escaping(reader: Page, fixture_site: str):
    reader.goto(fixture_site + "papers/")
    year = reader.locator("#facet-year")
    assert [o.strip() for o in year.locator("option").all_text_contents()] == [
        "Any year (4)",
        "2023 (1)",
        "2021 (1)",
        "No year (2)",
    ]
    year.select_option("2021")
    assert [c["id"] for c in shown_cards(reader)] == ["old-idea"]
    year.select_option("none")
    assert {c["id"] for c in shown_cards(reader)} == {
        "attention-is-enough",
        "pruning-lottery-tickets",
    }
    reader.locator("#facet-q").fill("spiking")
    expect(reader.locator("#facet-empty")).to_be_visible()
    expect(reader.locator("#facet-actions")).to_be_hidden()
    reader.goto(fixture_site + "papers/?year=2021")
    with reader.expect_download() as download:
        reader.get_by_role("button", name="Download as BibTeX").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("@")
    assert r"50\%" in text and r"\&" in text and r"\{braces\}" in text and r"Idea\_with" in text
    assert "Hopper, Grace" in text or "Grace Hopper" in text


def test_facets_without_script_show_every_card(browser, served_site: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + "papers/?topic=whatever")
    expect(page.locator("#facets")).to_be_hidden()
    assert (
        page.locator("#all-papers > li:visible").count() == page.locator("#all-papers > li").count()
    )
    context.close()
