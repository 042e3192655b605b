"""Checks on a built site folder: every internal link and asset resolves, anchors included."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class LinkCollector(HTMLParser):
    """Collect ids and link targets (href, src) of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "link" and values.get("rel") == "canonical":
            return
        for name in ("href", "src"):
            if values.get(name):
                self.targets.append(values[name])


def parse_page(path: Path) -> LinkCollector:
    """Ids and targets of one page."""
    collector = LinkCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def resolve(site: Path, page_url: str, target: str, mount: str) -> tuple[Path, str] | None:
    """The file and fragment an internal link of the page at `page_url` points to."""
    absolute = urljoin(f"http://site{mount}{page_url}", target)
    parts = urlsplit(absolute)
    if parts.netloc != "site":
        return None  # external
    path = unquote(parts.path)
    if not path.startswith(mount):
        raise AssertionError(f"{page_url}: '{target}' leaves the site's sub-path {mount}")
    local = site / path[len(mount) :]
    if path.endswith("/"):
        local = local / "index.html"
    return local, parts.fragment


def broken_links(site: Path, mount: str = "/repo/") -> list[str]:
    """Every internal link or asset of every page that does not resolve, as messages."""
    pages = {p: parse_page(p) for p in site.rglob("*.html")}
    broken = []
    for page, collected in sorted(pages.items()):
        relative = page.relative_to(site).as_posix()
        page_url = relative.removesuffix("index.html")
        if relative == "404.html":
            page_url = "does/not/exist/"  # served at any depth
        for target in collected.targets:
            if target.startswith("mailto:") or target == "#":
                continue
            if target.startswith("#"):
                if target[1:] not in collected.ids:
                    broken.append(f"{relative}: {target} -> no id '{target[1:]}' on the page")
                continue
            found = resolve(site, page_url, target, mount)
            if found is None:
                continue
            local, fragment = found
            if not local.is_file():
                broken.append(f"{relative}: {target} -> missing {local.relative_to(site)}")
            elif (
                fragment
                and local.suffix == ".html"
                and fragment not in (pages.get(local) or parse_page(local)).ids
            ):
                broken.append(f"{relative}: {target} -> no id '{fragment}'")
    return broken
