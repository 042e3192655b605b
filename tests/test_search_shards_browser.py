"""The sharded search in Chromium: title results first, abstract results after, documents lazily.

A harness site (search.js's page contract, a strict CSP, served under /sub/) holds the fixture
corpus and some made-up papers: "quasar" is in two titles and three abstracts only, and 150
titles say "network". Requests for the abstract shards are held back by the test, so what
the reader sees before they arrive is what the title tier alone gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from surveysite.search_files import build_search_files
from surveysite.search_index import SearchEntry
from tests.conftest import http_server
from tests.test_search_js import CHROMIUM, CSP, PAGE, SEARCH_JS, SEARCH_MAIN, VENDOR, write
from tests.test_search_js import ENTRIES as FIXTURE_ENTRIES


def paper(paper_id: str, title: str, abstract: str) -> SearchEntry:
    return SearchEntry(paper_id, f"papers/{paper_id}/", title, ("Astronomy",), (), abstract, 2024)


ENTRIES = [
    *FIXTURE_ENTRIES,
    paper("quasar-curves", "Quasar light curves", "Variability of bright sources."),
    paper("quasar-hosts", "Quasar host galaxies", "Imaging of distant hosts."),
    *(
        paper(f"radio-{n}", f"Radio sky survey {n}", f"We find a quasar among {n} sources.")
        for n in range(3)
    ),
    *(paper(f"filler-{n}", f"Filler {n}", "Nothing to see.") for n in range(7)),
    *(paper(f"network-{n:03d}", f"Network study {n:03d}", "Plain text.") for n in range(150)),
]
TITLE_ONLY = {"Quasar light curves", "Quasar host galaxies"}
ABSTRACT_ONLY = {f"Radio sky survey {n}" for n in range(3)}
SHARD = re.compile(r"/search/([tads])-[0-9a-f]{12}\.json$")


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The harness served by http.server under /sub/; yields its URL."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium: run ./scripts/test, which installs it"
        )
    www = tmp_path_factory.mktemp("www")
    site = www / "sub"
    pages = {"index.html": ("", "Home", ""), "search/index.html": ("../", "Search", SEARCH_MAIN)}
    for path, (root, title, main) in pages.items():
        write(site / path, PAGE.format(root=root, title=title, main=main, csp=CSP).encode())
    no_workers = PAGE.format(
        root="../", title="No workers", main="", csp=CSP + "; worker-src 'none'"
    )
    write(site / "no-workers/index.html", no_workers.encode())
    for path, data in build_search_files(ENTRIES).items():
        write(site / path, data)
    write(site / "static/search.js", SEARCH_JS.read_bytes())
    write(site / "static/vendor/lunr/lunr.min.js", (VENDOR / "lunr.min.js").read_bytes())
    write(site / "favicon.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    with http_server(www) as base:
        yield f"{base}/sub/"


class Network:
    """The search files a page requested, in order, with the abstract shards held back."""

    def __init__(self, page: Any, hold: bool = True) -> None:
        self.requested: list[str] = []
        self.held: list[Any] = []
        self.holding = hold
        page.on("request", self.on_request)
        if hold:
            page.route(re.compile(r"/search/a-[0-9a-f]{12}\.json$"), self.hold)

    def hold(self, route: Any) -> None:
        if self.holding:
            self.held.append(route)
        else:
            route.continue_()

    def on_request(self, request: Any) -> None:
        match = SHARD.search(request.url)
        if match:
            self.requested.append(match.group(1))

    def release(self) -> None:
        """Let the held abstract shards (and any later ones) through."""
        self.holding = False
        while self.held:
            self.held.pop().continue_()


def titles(results: Any) -> set[str]:
    return set(results.locator(".search-result-title").all_inner_texts())


def test_title_results_come_first_and_abstract_results_follow(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    network = Network(reader)
    reader.goto(harness)
    box = reader.locator("#site-search-input")
    box.click()
    box.press_sequentially("quasar", delay=20)
    panel = reader.locator("#site-search-panel")
    results = panel.locator(".search-result")
    expect(results).to_have_count(2)
    assert titles(panel) == TITLE_ONLY
    expect(panel.locator(".search-panel-status")).to_contain_text("searching abstracts")
    # The first results were shown with no abstract shard: requests were title shards and
    # documents, and abstract shards were asked for only after them (and are still held).
    first_abstract = network.requested.index("a") if "a" in network.requested else None
    assert {"t", "d"} <= set(network.requested[:first_abstract])
    box.press("ArrowDown")
    selected = panel.locator('.search-result[aria-selected="true"] .search-result-title')
    chosen = selected.inner_text()
    expect(reader.locator(".search-panel-status")).to_contain_text("searching abstracts")
    network.release()
    expect(results).to_have_count(5)
    assert titles(panel) == TITLE_ONLY | ABSTRACT_ONLY
    expect(panel.locator(".search-panel-status")).to_have_text("5 papers match \u201cquasar\u201d")
    expect(panel.locator(".search-panel-all")).to_have_text("All 5 results")
    # Merging moved neither the focus nor the active option.
    assert reader.evaluate("document.activeElement.id") == "site-search-input"
    expect(selected).to_have_text(chosen)
    assert box.get_attribute("aria-activedescendant") == selected.locator("xpath=..").get_attribute(
        "id"
    )


def test_the_search_page_keeps_focus_while_abstract_results_arrive(
    reader: Any, harness: str
) -> None:
    from playwright.sync_api import expect

    network = Network(reader)
    reader.goto(harness + "search/?q=quasar")
    results = reader.locator("#search-results .search-result")
    expect(results).to_have_count(2)
    expect(reader.locator("#search-status")).to_contain_text("searching abstracts")
    first = results.first.locator(".search-result-title")
    first.focus()
    focused = first.inner_text()
    network.release()
    expect(results).to_have_count(5)
    expect(reader.locator("#search-status")).to_have_text("5 papers match \u201cquasar\u201d.")
    assert reader.evaluate("document.activeElement.textContent") == focused
    assert reader.evaluate("document.activeElement.className") == "search-result-title"


def test_a_newer_query_wins_over_older_work(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    network = Network(reader)
    reader.goto(harness + "search/")
    box = reader.locator("#search-page-input")
    box.fill("quasar")
    expect(reader.locator("#search-status")).to_contain_text("searching abstracts")
    box.fill("spiking")
    expect(reader.locator("#search-status")).to_contain_text("\u201cspiking\u201d")
    network.release()
    final = re.compile(r"^(1 paper matches|\d+ papers match) \u201cspiking\u201d\.$")
    expect(reader.locator("#search-status")).to_have_text(final)
    assert not titles(reader.locator("#search-results")) & (TITLE_ONLY | ABSTRACT_ONLY)
    assert "q=spiking" in reader.url


def test_the_search_page_fetches_documents_as_results_are_shown(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    network = Network(reader, hold=False)
    reader.goto(harness + "search/?q=network")
    status = reader.locator("#search-status")
    expect(status).to_have_text(re.compile(r"^\d+ papers match \u201cnetwork\u201d\.$"))
    results = reader.locator("#search-results .search-result")
    expect(results).to_have_count(20)
    shown = network.requested.count("d")
    assert shown <= 5  # the documents of the first 20 results, 16 to a file: not all 10 files
    results.last.scroll_into_view_if_needed()
    expect(results).to_have_count(40)
    results.last.scroll_into_view_if_needed()
    expect(results).to_have_count(60)
    assert network.requested.count("d") > shown


def test_shards_are_searched_in_a_worker(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    workers: list[str] = []
    reader.on("worker", lambda worker: workers.append(worker.url))
    reader.goto(harness)
    box = reader.locator("#site-search-input")
    box.click()
    box.press_sequentially("quasar", delay=10)
    expect(reader.locator("#site-search-panel .search-result")).to_have_count(5)
    assert [url.split("?")[0] for url in workers] == [harness + "static/search.js"]


def test_without_workers_the_page_searches_itself(page: Any, harness: str) -> None:
    """A CSP that forbids workers (its refusal is logged) leaves search working."""
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(harness + "no-workers/")
    box = page.locator("#site-search-input")
    box.click()
    box.press_sequentially("quasar", delay=10)
    expect(page.locator("#site-search-panel .search-result")).to_have_count(5)
    expect(page.locator(".search-panel-status")).to_have_text("5 papers match \u201cquasar\u201d")
    assert errors == []


class Hold:
    """Requests for matching URLs, held back until released (later ones then pass)."""

    def __init__(self, page: Any, pattern: str) -> None:
        self.routes: list[Any] = []
        self.holding = True
        page.route(re.compile(pattern), self.route)

    def route(self, route: Any) -> None:
        if self.holding:
            self.routes.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.holding = False
        while self.routes:
            self.routes.pop(0).continue_()


def wait_until(page: Any, condition: Any, seconds: float = 10) -> None:
    """Let the page run until condition() is true."""
    for _ in range(int(seconds * 50)):
        if condition():
            return
        page.wait_for_timeout(20)
    raise AssertionError("timed out")


MANIFEST = json.loads(build_search_files(ENTRIES)["search/manifest.json"])
DOCS = r"/search/d-[0-9a-f]{12}\.json$"
SNIPPETS = r"/search/s-[0-9a-f]{12}\.json$"


def title_shard(key: str) -> str:
    """The pattern of the URL of a title-tier shard of the harness."""
    return re.escape("/search/" + MANIFEST["tiers"][0]["shards"][key]) + "$"


@pytest.mark.parametrize(
    ("path", "box", "results", "status"),
    [
        ("search/", "#search-page-input", "#search-results", "#search-status"),
        ("", "#site-search-input", "#site-search-panel", ".search-panel-status"),
    ],
)
def test_what_an_earlier_query_found_shows_while_a_later_one_is_pending(
    reader: Any, harness: str, path: str, box: str, results: str, status: str
) -> None:
    """Results of "quasar" that come once "quasar netw" is typed are shown, not thrown away."""
    from playwright.sync_api import expect

    docs = Hold(reader, DOCS)
    later = Hold(reader, title_shard("n"))  # what "netw" needs
    reader.goto(harness + path)
    typed = reader.locator(box)
    typed.click()
    typed.fill("quasar")
    wait_until(reader, lambda: docs.routes)  # "quasar" is searched; its documents are asked for
    typed.press_sequentially(" netw", delay=10)
    wait_until(reader, lambda: later.routes)  # and "quasar netw" waits for its shard
    docs.release()
    expect(reader.locator(f"{results} .search-result")).to_have_count(2)
    assert titles(reader.locator(results)) == TITLE_ONLY
    expect(reader.locator(status)).to_contain_text("\u201cquasar\u201d")
    expect(typed).to_have_value("quasar netw")
    assert later.routes  # still pending
    later.release()
    expect(reader.locator(status)).to_have_text(
        re.compile(r"^\d+ papers match \u201cquasar netw\u201d\.?$")
    )
    assert len(titles(reader.locator(results))) > 2
    assert reader.evaluate("document.activeElement.id") == box[1:]


def test_results_show_before_their_snippets_which_then_keep_focus(
    reader: Any, harness: str
) -> None:
    from playwright.sync_api import expect

    snippets = Hold(reader, SNIPPETS)
    reader.goto(harness + "search/?q=quasar")
    results = reader.locator("#search-results .search-result")
    expect(reader.locator("#search-status")).to_have_text("5 papers match \u201cquasar\u201d.")
    expect(results).to_have_count(5)
    expect(reader.locator("#search-results .search-result-snippet")).to_have_count(0)
    assert snippets.routes
    first = results.first.locator(".search-result-title")
    first.focus()
    focused = first.inner_text()
    snippets.release()
    expect(reader.locator("#search-results .search-result-snippet")).to_have_count(5)
    marked = reader.locator("#search-results .search-result-snippet mark").first
    expect(marked).to_have_text(re.compile("^quasar$", re.IGNORECASE))
    assert reader.evaluate("document.activeElement.textContent") == focused
    assert reader.evaluate("document.activeElement.className") == "search-result-title"


def test_on_the_search_page_a_new_query_shows_a_screenful_before_its_last_documents(
    reader: Any, harness: str
) -> None:
    """The 20 results of "network" are in docs chunks 1 (16) and 2 (4): chunk 2 is held."""
    from playwright.sync_api import expect

    last = Hold(reader, re.escape("/search/" + MANIFEST["docs"]["files"][2]) + "$")
    reader.goto(harness + "search/?q=quasar")
    status = reader.locator("#search-status")
    expect(status).to_have_text("5 papers match \u201cquasar\u201d.")
    results = reader.locator("#search-results .search-result")
    reader.locator("#search-page-input").fill("network")
    expect(status).to_contain_text("\u201cnetwork\u201d")
    expect(results).to_have_count(16)
    assert all(t.startswith("Network study") for t in titles(reader.locator("#search-results")))
    assert last.routes
    last.release()
    expect(results).to_have_count(20)
