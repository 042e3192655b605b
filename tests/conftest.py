"""Shared fixtures: a factory that writes small content trees, and a built fixture site."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from surveysite.build_site import Project, build

REPO = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: Fixture Survey
description: A tiny survey used by the tests.
repository: https://github.com/example/survey
"""

PAPERS = {
    "spiking-networks-for-robots": """\
        title: Spiking Networks for Robots
        authors: [Ada Lovelace, Alan Turing]
        year: 2023
        arxiv: "2301.00001"
        added: 2026-01-02
        sources: [hf-daily-papers/000]
        abstract: >-
          Spiking neural networks promise energy-efficient control. We survey
          deployments on robots and employ a key benchmark.
        """,
    "attention-is-enough": """\
        title: Attention Is Enough
        added: 2026-01-03
        abstract: Transformers with attention? We show `code`, *stars*, _under_, <b>tags</b> & more.
        """,
    "pruning-lottery-tickets": """\
        title: Pruning Lottery Tickets
        added: 2026-01-01
        code: https://github.com/example/lottery
        abstract: Sparse subnetworks found by pruning train as well as the dense network.
        """,
}

TOPICS = {
    "architectures": """\
        ---
        title: Architectures
        summary: How networks are built.
        order: 1
        papers: [attention-is-enough]
        ---
        Architectures range from spiking models [@spiking-networks-for-robots] to
        transformers [@attention-is-enough; @spiking-networks-for-robots].
        """,
    "spiking": """\
        ---
        title: Spiking networks
        summary: Networks of spiking neurons.
        parent: architectures
        papers:
          - section: Applications
            papers:
              - id: spiking-networks-for-robots
                note: Start here.
        ---
        Spiking networks are efficient [@spiking-networks-for-robots].
        """,
    "efficiency": """\
        ---
        title: Efficiency
        summary: Smaller and faster networks.
        order: 2
        match: [pruning, "title:attention"]
        ---
        Pruning finds sparse networks [@pruning-lottery-tickets].
        """,
}


def write_content(
    root: Path,
    papers: dict[str, str] | None = None,
    topics: dict[str, str] | None = None,
    site: str = SITE_YAML,
) -> Project:
    """Write a project (content from dedented strings, the real templates and static files)."""
    content = root / "content"
    (content / "papers").mkdir(parents=True, exist_ok=True)
    (content / "topics").mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(site, encoding="utf-8")
    for paper_id, text in (PAPERS if papers is None else papers).items():
        (content / "papers" / f"{paper_id}.yaml").write_text(
            textwrap.dedent(text), encoding="utf-8"
        )
    for slug, text in (TOPICS if topics is None else topics).items():
        (content / "topics" / f"{slug}.md").write_text(textwrap.dedent(text), encoding="utf-8")
    for folder in ("templates", "static"):
        if not (root / folder).exists():
            shutil.copytree(REPO / folder, root / folder)
    return Project.at(root)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A fresh fixture project in a temporary folder."""
    return write_content(tmp_path)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium (Playwright cannot download browsers here)."""
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@contextlib.contextmanager
def http_server(directory: Path):
    """Serve a folder on 127.0.0.1 with python's http.server; yield its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(directory),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        port = int(re.search(r"port (\d+)", line).group(1))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real survey in content/, built once into <tmp>/www/survey/ (a project sub-path)."""
    www = tmp_path_factory.mktemp("www")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SURVEYSITE_BASE_URL", "http://127.0.0.1/survey/")
        build(Project.at(REPO, output=www / "survey"))
    return www / "survey"


@pytest.fixture(scope="session")
def served_site(real_site: Path):
    """The real survey served under the sub-path /survey/; yields the site's base URL."""
    with http_server(real_site.parent) as base:
        yield f"{base}/survey/"


@pytest.fixture
def reader(page: Any) -> Iterator[Any]:
    """A page that fails the test on any script error, console error, failed request or dialog."""
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    page.on("console", lambda m: m.type == "error" and failures.append(f"console: {m.text}"))
    page.on("response", lambda r: r.status >= 400 and failures.append(f"HTTP {r.status} {r.url}"))
    page.on("dialog", lambda d: (failures.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    assert failures == []
