"""Hostile content is shown as text and never executed, in pages and in search results."""

from __future__ import annotations

import random
import string

import pytest
import yaml
from playwright.sync_api import Page, expect

from surveysite.build_site import build
from tests.conftest import http_server, write_content

PAYLOAD = '<img src=x onerror="window.pwned=1;alert(1)"><script id="pwned">alert(2)</script>"\'&'

PAPERS = {
    "hostile-paper": yaml.safe_dump(
        {
            "title": f"Evil {PAYLOAD}",
            "authors": [f"Mallory {PAYLOAD}"],
            "venue": f"Venue {PAYLOAD}",
            "abstract": f"Spiking abstract {PAYLOAD} `code` *x*",
            "notes": f'Notes <b id="pwned">x</b> [click](https://example.org "{PAYLOAD}")',
            "sources": [f"src {PAYLOAD}"],
            "added": "2026-01-01",
        }
    ),
    "plain-paper": "title: Plain paper\nabstract: Spiking networks again.\nadded: 2026-01-02\n",
}
FRONT = {
    "title": f"Topic {PAYLOAD}",
    "summary": f"Summary {PAYLOAD}",
    "papers": [
        {
            "section": f"Section {PAYLOAD}",
            "note": f"Section note {PAYLOAD}",
            "papers": [{"id": "hostile-paper", "note": f"Paper note {PAYLOAD}"}, "plain-paper"],
        }
    ],
}
TOPICS = {
    "hostile": "---\n"
    + yaml.safe_dump(FRONT)
    + "---\nNarrative <script>alert(3)</script> <img src=x onerror=alert(4)> [@hostile-paper]\n"
    + "and [a link](https://example.org/?q=<script>).\n",
}
SITE = yaml.safe_dump(
    {
        "title": f"Site {PAYLOAD}",
        "description": f"Description {PAYLOAD}",
        "maintainer": f"Me {PAYLOAD}",
    }
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    project = write_content(root, PAPERS, TOPICS, SITE)
    build(project)
    with http_server(project.output) as base:
        yield base + "/"


def assert_nothing_injected(page: Page, dialogs: list[str]) -> None:
    """No payload ran and no payload element exists in the DOM."""
    assert dialogs == []
    assert page.evaluate("window.pwned === undefined")
    injected = page.evaluate(
        'document.querySelectorAll(\'#pwned, img[src="x"], script:not([src]):not([type="application/ld+json"])\').length'
    )
    assert injected == 0


@pytest.mark.parametrize(
    "url",
    ["", "topics/", "topics/hostile/", "papers/", "papers/hostile-paper/", "search/", "404.html"],
)
def test_pages_show_payloads_as_text(page: Page, hostile_site: str, url: str):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site + url)
    assert_nothing_injected(page, dialogs)
    if url in ("papers/hostile-paper/", "topics/hostile/"):
        expect(page.locator("h1")).to_contain_text('<script id="pwned">alert(2)</script>')


def test_search_results_show_payloads_as_text(page: Page, hostile_site: str):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site + "search/?q=evil")
    result = page.locator("#search-results .search-result").first
    expect(result).to_contain_text("<img src=x")
    page.goto(hostile_site + "papers/")
    page.locator("#site-search-input").type("spiking")
    expect(page.locator("#site-search-panel .search-result").first).to_be_visible()
    assert_nothing_injected(page, dialogs)


def test_search_box_survives_random_input(page: Page, hostile_site: str):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(hostile_site + "search/")
    box = page.locator("#search-page-input")
    rng = random.Random(20261123)
    alphabet = string.ascii_letters + string.digits + " :~^+-*\"'()[]{}\\/?!.,<>&|é🙂\t"
    for _ in range(150):
        box.fill("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))))
    page.wait_for_timeout(300)
    header = page.locator("#search-status")
    expect(header).not_to_be_empty()
    assert errors == []
