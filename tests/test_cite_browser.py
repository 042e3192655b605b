"""Citing a paper in headless Chromium: copy from the keyboard, download, accessibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

PAPER = "papers/pointer-networks/"


@pytest.fixture
def reader(context: BrowserContext, page: Page, served_site: str):
    """A page allowed to use the clipboard; any script error or failed request fails the test."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_site.rstrip("/"))
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    page.on("console", lambda msg: msg.type == "error" and failures.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 400 and failures.append(f"HTTP {r.status} {r.url}"))
    yield page
    assert failures == []


def clipboard(page: Page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_copy_bibtex_from_the_keyboard(reader: Page, served_site: str):
    reader.goto(served_site + PAPER)
    text = reader.locator("#cite-bibtex").text_content()
    assert text.startswith("@misc{") and "title = {Pointer Networks}" in text
    reader.locator(".cite-format summary").first.focus()
    reader.keyboard.press("Tab")  # the text, focusable so that a long one can be scrolled
    expect(reader.locator("#cite-bibtex")).to_be_focused()
    reader.keyboard.press("Tab")
    button = reader.locator("button[data-copy='cite-bibtex']")
    expect(button).to_have_accessible_name("Copy BibTeX")
    expect(button).to_be_focused()
    reader.keyboard.press("Enter")
    expect(reader.locator("#cite-status")).to_have_text("Copied BibTeX")
    expect(button).to_contain_text("Copied")
    assert clipboard(reader) == text
    expect(button).to_contain_text("Copy", timeout=4000)
    expect(button).not_to_contain_text("Copied")


def test_open_ris_and_copy_with_space(reader: Page, served_site: str):
    reader.goto(served_site + PAPER)
    summary = reader.locator(".cite-format summary", has_text="RIS")
    expect(reader.locator("#cite-ris")).not_to_be_visible()
    summary.focus()
    reader.keyboard.press("Enter")
    expect(reader.locator("#cite-ris")).to_be_visible()
    reader.keyboard.press("Tab")
    reader.keyboard.press("Tab")
    expect(reader.get_by_role("button", name="Copy RIS")).to_be_focused()
    reader.keyboard.press("Space")
    expect(reader.locator("#cite-status")).to_have_text("Copied RIS")
    copied = clipboard(reader)
    assert copied.startswith("TY  - GEN\n") and copied.endswith("ER  - \n")


def test_download_links(reader: Page, served_site: str):
    reader.goto(served_site + PAPER)
    key = reader.locator(".cite-key code").text_content()
    shown = reader.locator("#cite-bibtex").text_content()
    with reader.expect_download() as download_info:
        reader.get_by_role("button", name="Download BibTeX .bib").click()
    download = download_info.value
    assert download.suggested_filename == f"{key}.bib"
    assert Path(download.path()).read_text(encoding="utf-8") == shown
    reader.locator(".cite-format summary", has_text="CSL-JSON").click()
    with reader.expect_download() as download_info:
        reader.get_by_role("button", name="Download CSL-JSON .json").click()
    assert download_info.value.suggested_filename == f"{key}.json"
    assert json.loads(Path(download_info.value.path()).read_text())[0]["id"] == key
    reader.locator(".cite-format summary", has_text="RIS").click()
    with reader.expect_download() as download_info:
        reader.get_by_role("button", name="Download RIS .ris").focus()
        reader.keyboard.press("Enter")
    ris = Path(download_info.value.path()).read_bytes()
    assert (
        ris.startswith(b"TY  - ")
        and ris.endswith(b"ER  - \r\n")
        and b"\n" not in ris.replace(b"\r\n", b"")
    )


def test_copy_without_the_clipboard_api(reader: Page, served_site: str):
    """Insecure origins have no navigator.clipboard: the fallback copies or selects the text."""
    reader.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    reader.goto(served_site + PAPER)
    reader.get_by_role("button", name="Copy BibTeX").click()
    status = reader.locator("#cite-status")
    expect(status).to_have_text("Copied BibTeX")


def test_buttons_hidden_without_script(browser, served_site: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + PAPER)
    expect(page.locator("#cite-bibtex")).to_be_visible()
    assert page.locator("button.copy-button:visible, button[data-download]:visible").count() == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_cite_block_is_accessible(reader: Page, served_site: str, scheme: str):
    reader.emulate_media(color_scheme=scheme)
    reader.goto(served_site + PAPER)
    for summary in reader.locator(".cite-format summary").all()[1:]:
        summary.click()
    reader.get_by_role("button", name="Copy BibTeX").click()
    expect(reader.locator("#cite-status")).to_have_text("Copied BibTeX")
    violations = Axe().run(reader, context="#cite").response["violations"]
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


def test_head_metadata_in_the_browser(reader: Page, served_site: str):
    reader.goto(served_site + PAPER)
    data = reader.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert data["@type"] == "ScholarlyArticle" and data["name"] == "Pointer Networks"
    assert data["url"] == "http://127.0.0.1/survey/" + PAPER
    feed = reader.locator("link[rel=alternate][type='application/atom+xml']").first
    response = reader.request.get(feed.evaluate("l => l.href"))
    assert response.ok and b"<feed" in response.body()
