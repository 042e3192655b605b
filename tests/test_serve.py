"""Live preview: `python build.py serve` rebuilds on save, reloads the browser, survives broken edits."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from surveysite import serve as serve_module
from surveysite.build_site import Project
from tests.conftest import REPO, write_content

PAPER = "content/papers/attention-is-enough.yaml"


@contextlib.contextmanager
def preview(root: Path) -> Iterator[str]:
    """Run `python build.py --root ROOT serve --port 0`; yield its base URL; stop it."""
    log = (root / "serve.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-u", str(REPO / "build.py"), "--root", str(root), "serve", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, f"no address in {line!r}; log: {(root / 'serve.log').read_text()}"
        yield f"http://127.0.0.1:{found.group(1)}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        log.close()


def fetch(url: str) -> tuple[int, str, str]:
    """Status, final URL and body of a GET (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.url, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, url, error.read().decode("utf-8")


def status(base: str) -> dict:
    return json.loads(fetch(base + "__surveysite/status")[2])


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def edit(project: Project, path: str, old: str, new: str) -> None:
    file = project.root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return write_content(tmp_path)


def test_rebuilds_on_save_and_keeps_the_last_good_site(project: Project):
    with preview(project.root) as base:
        code, _, html = fetch(base + "papers/attention-is-enough/")
        assert code == 200 and "Attention Is Enough" in html
        assert '<script src="/__surveysite/livereload.js" data-version="1"></script></body>' in html
        assert status(base) == {"version": 1, "error": None}

        edit(project, PAPER, "title: Attention Is Enough", "title: Attention Is Plenty")
        wait_for(lambda: status(base)["version"] == 2, "the rebuild after an edit")
        assert "Attention Is Plenty" in fetch(base + "papers/attention-is-enough/")[2]

        edit(project, PAPER, "title: Attention Is Plenty", "title: [unclosed")
        wait_for(lambda: status(base)["error"], "the error of a broken edit")
        state = status(base)
        assert state["version"] == 2
        assert "content/papers/attention-is-enough.yaml:2: invalid YAML" in state["error"]
        code, _, html = fetch(base + "papers/attention-is-enough/")
        assert code == 200 and "Attention Is Plenty" in html  # the last good site

        edit(project, PAPER, "title: [unclosed", "title: Attention Is Back")
        wait_for(lambda: status(base)["version"] == 3, "the rebuild after the fix")
        assert status(base)["error"] is None
        assert "Attention Is Back" in fetch(base + "papers/attention-is-enough/")[2]

        edit(
            project,
            "templates/paper.html",
            "{{ paper.title }}</h1>",
            "{{ paper.nothing.here }}</h1>",
        )
        wait_for(lambda: status(base)["error"], "the error of a broken template")
        assert "templates/paper.html" in status(base)["error"]
    log = (project.root / "serve.log").read_text(encoding="utf-8")
    assert "content/papers/attention-is-enough.yaml:2: invalid YAML" in log  # in the terminal too


def test_folders_redirect_missing_pages_get_the_404_page(project: Project):
    with preview(project.root) as base:
        code, url, _ = fetch(base + "papers")
        assert code == 200 and url == base + "papers/"
        code, _, html = fetch(base + "no/such/page/")
        assert code == 404 and "Page not found" in html and "livereload.js" in html
        code, _, css = fetch(base + "static/style.css?v=1")
        assert code == 200 and "--accent" in css


def test_a_first_build_that_fails_still_serves_the_error(tmp_path: Path):
    project = write_content(tmp_path)
    edit(project, PAPER, "title: Attention Is Enough", "title: [unclosed")
    with preview(project.root) as base:
        code, _, html = fetch(base)
        assert code == 503 and "livereload.js" in html
        assert "attention-is-enough.yaml" in status(base)["error"]
        edit(project, PAPER, "title: [unclosed", "title: Fixed")
        wait_for(lambda: status(base)["version"] == 1, "the first good build")
        assert fetch(base)[0] == 200


def test_a_crash_in_the_build_is_reported_and_the_watcher_goes_on(project, monkeypatch):
    state = serve_module.BuildState()

    def crash(_project):
        raise RuntimeError("a bug in a stage")

    monkeypatch.setattr(serve_module, "build", crash)
    state.rebuild(project)
    assert state.version == 0 and state.error == "RuntimeError: a bug in a stage"


def test_watcher_rebuilds_on_change_and_stops(project):
    state = serve_module.BuildState()
    state.rebuild(project)
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(
        target=serve_module.watch, args=(project, state, stop, ready), daemon=True
    )
    watcher.start()
    assert ready.wait(timeout=10)
    (project.static / "extra.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    wait_for(lambda: state.version == 2, "a rebuild after a change in static/")
    assert (project.output / "static" / "extra.css").is_file()
    stop.set()
    watcher.join(timeout=10)
    assert not watcher.is_alive()


def test_the_open_page_reloads_and_shows_errors(page: Page, project: Project):
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    with preview(project.root) as base:
        page.goto(base + "papers/attention-is-enough/")
        expect(page.locator("h1")).to_have_text("Attention Is Enough")
        edit(project, PAPER, "title: Attention Is Enough", "title: Attention Reloaded")
        expect(page.locator("h1")).to_have_text("Attention Reloaded", timeout=20000)

        edit(project, PAPER, "title: Attention Reloaded", "title: [unclosed")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(
            "content/papers/attention-is-enough.yaml:2: invalid YAML", timeout=20000
        )
        expect(page.locator("h1")).to_have_text("Attention Reloaded")  # the last good page

        edit(project, PAPER, "title: [unclosed", "title: Attention Fixed")
        expect(page.locator("h1")).to_have_text("Attention Fixed", timeout=20000)
        expect(page.get_by_role("alert")).to_have_count(0)
    assert failures == []
