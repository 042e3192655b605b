"""Everything a reader can do with a mouse works from the keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def test_skip_link_and_visible_focus(page: Page, served_site: str):
    page.goto(served_site)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_search_from_the_keyboard(page: Page, served_site: str):
    page.goto(served_site + "topics/")
    tab_to(page, "#site-search-input")
    page.keyboard.type("pointer networks")
    expect(page.locator("#site-search-panel .search-result").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/papers/[a-z0-9-]+/$"))


def test_enter_opens_the_search_page(page: Page, served_site: str):
    page.goto(served_site)
    tab_to(page, "#site-search-input")
    page.keyboard.type("kernel")
    page.keyboard.press("Escape")
    expect(page.locator("#site-search-panel")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=kernel$"))
    expect(page.locator("#search-results .search-result").first).to_be_visible()


def test_theme_toggle_and_sorting_from_the_keyboard(page: Page, served_site: str):
    page.emulate_media(color_scheme="light")
    page.goto(served_site + "papers/")
    tab_to(page, "#theme-toggle")
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    tab_to(page, "button[data-sort='added']", limit=80)
    page.keyboard.press("Space")
    expect(page.locator("button[data-sort='added']")).to_have_attribute("aria-pressed", "true")
