"""The URL scheme: where each page lives, its output file, and links between pages.

Every URL here is relative to the site root and ends in `/` for a folder page, so the
site works at a domain root and under a sub-path (`https://user.github.io/repo/`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SAFE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file")

HOME = ""
PAPERS = "papers/"
TOPICS = "topics/"
SEARCH = "search/"
MAP = "map/"
NOT_FOUND = "404.html"


def paper_url(paper_id: str) -> str:
    """The page of one paper."""
    return f"papers/{paper_id}/"


def topic_url(slug: str) -> str:
    """The page of one topic."""
    return f"topics/{slug}/"


def output_path(url: str) -> str:
    """The file, relative to the output folder, that serves `url`."""
    if url and not url.endswith("/"):
        return url
    return f"{url}index.html"


def root_from(url: str) -> str:
    """The relative path from the page at `url` back to the site root."""
    return "../" * url.count("/")


def unsafe_link_reason(href: str) -> str | None:
    """Why a link must not be published (a script or data scheme), or None."""
    cleaned = re.sub(r"[\x00-\x20]", "", href).lower()
    scheme = urlsplit(cleaned).scheme
    if scheme in UNSAFE_SCHEMES:
        return f"'{scheme}:' links are not allowed; expected an http(s) or relative link"
    return None
