"""What a reader does, in headless Chromium, on the real survey served under a sub-path."""

from __future__ import annotations

import re

import yaml
from playwright.sync_api import Page, expect

from tests.conftest import REPO


def a_paper() -> dict:
    """A real paper record with a distinctive title word."""
    record = yaml.safe_load(
        (REPO / "content/papers/pointer-networks.yaml").read_text(encoding="utf-8")
    )
    return record


def test_home_topic_paper_navigation(reader: Page, served_site: str):
    reader.goto(served_site)
    expect(reader.locator("h1")).to_have_text("Neural Networks, Surveyed")
    reader.locator(".topic-list a").first.click()
    expect(reader).to_have_url(re.compile(r"/survey/topics/[a-z0-9-]+/$"))
    topic_title = reader.locator("h1").inner_text()
    reader.locator(".topic-papers .paper-card-title a").first.click()
    expect(reader).to_have_url(re.compile(r"/survey/papers/[a-z0-9-]+/$"))
    expect(reader.locator(".abstract p").first).not_to_be_empty()
    expect(reader.locator(".tag-list").first).to_contain_text(topic_title)


def test_header_search_shows_expected_paper(reader: Page, served_site: str):
    reader.goto(served_site + "topics/")
    box = reader.locator("#site-search-input")
    box.click()
    box.type("pointer networks", delay=20)
    panel = reader.locator("#site-search-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".search-result-title").first).to_have_text(a_paper()["title"])
    panel.locator(".search-result-title").first.click()
    expect(reader).to_have_url(served_site + "papers/pointer-networks/")


def test_search_page_reads_query_from_url(reader: Page, served_site: str):
    reader.goto(served_site + "search/?q=title%3Aspiking")
    results = reader.locator("#search-results .search-result-title")
    expect(results.first).to_be_visible()
    titles = results.all_inner_texts()
    assert titles and all("spiking" in t.lower() for t in titles)


def test_search_survives_lunr_syntax(reader: Page, served_site: str):
    reader.goto(served_site + "search/")
    box = reader.locator("#search-page-input")
    for query in [
        "foo:",
        "~",
        "+-",
        "^",
        "title:",
        ":",
        "attention?",
        "(survey)",
        "a" * 300,
        "\u2603 \"'<>&",
    ]:
        box.fill(query)
        reader.wait_for_timeout(60)
    box.fill("attention?")
    expect(reader.locator("#search-status")).to_contain_text("\u201cattention?\u201d")
    expect(reader.locator("#search-results .search-result").first).to_be_visible()
    expect(reader).to_have_url(re.compile(r"q=attention%3F$"))  # once the reader paused


def test_index_not_fetched_until_search(reader: Page, served_site: str):
    requested: list[str] = []
    reader.on("request", lambda r: requested.append(r.url))
    reader.goto(served_site)
    reader.wait_for_load_state("networkidle")
    assert not [u for u in requested if "/search/" in u and u.endswith(".json") or "lunr" in u]
    reader.locator("#site-search-input").type("kernel")
    expect(reader.locator("#site-search-panel .search-result").first).to_be_visible()
    assert [u for u in requested if "/search/manifest.json" in u]


def test_theme_toggle_is_remembered(reader: Page, served_site: str):
    reader.emulate_media(color_scheme="light")
    reader.goto(served_site)
    reader.locator("#theme-toggle").click()
    assert reader.evaluate("document.documentElement.dataset.theme") == "dark"
    reader.goto(served_site + "papers/")
    assert reader.evaluate("document.documentElement.dataset.theme") == "dark"
    expect(reader.locator("#theme-toggle")).to_have_attribute("aria-pressed", "true")


def test_sort_papers_by_date_added(reader: Page, served_site: str):
    reader.goto(served_site + "papers/")
    reader.get_by_role("button", name="Date added").click()
    assert "sort=added" in reader.url
    added = reader.locator("#all-papers > li").evaluate_all("els => els.map(e => e.dataset.added)")
    assert added == sorted(added, reverse=True)
