"""Exported files (citations, bibliographies, feeds, sitemap, robots.txt) and head metadata."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import bibtexparser
import jsonschema
import pytest

from surveysite.build_site import build
from tests.conftest import PAPERS, SITE_YAML, write_content
from tests.site_checks import broken_links

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/survey"
CSL_SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl-data.json").read_text())
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def published(tmp_path: Path):
    """The fixture survey built with a base_url."""
    project = write_content(tmp_path, site=SITE_YAML + f"base_url: {BASE}/\n")
    build(project)
    return project.output


@pytest.fixture
def local(project):
    """The fixture survey built without a base_url."""
    build(project)
    return project.output


def pages(site: Path) -> list[str]:
    """Every HTML page's site URL."""
    found = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        found.append(relative.removesuffix("index.html"))
    return found


def head_tags(page: str) -> list[tuple[str, dict[str, str]]]:
    """(tag, attributes) of every <meta> and <link> in the head."""
    head = page.split("</head>")[0]
    return [
        (tag, {k: html.unescape(v) for k, v in re.findall(r'([\w:-]+)="([^"]*)"', attrs)})
        for tag, attrs in re.findall(r"<(meta|link)\s([^>]*)>", head)
    ]


def meta(page: str, name: str) -> list[str]:
    return [a["content"] for tag, a in head_tags(page) if a.get("name", a.get("property")) == name]


def json_ld(page: str) -> dict:
    [text] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return json.loads(text)


def check_atom(data: bytes, feed_url: str) -> list[ET.Element]:
    """RFC 4287's required structure; returns the entries."""
    feed = ET.fromstring(data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
    assert urlsplit(feed.findtext(f"{ATOM}id")).scheme, "atom:id must be an absolute IRI"
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    self_links = [l for l in feed.findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert len(self_links) == 1
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert urlsplit(entry.findtext(f"{ATOM}id")).scheme
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        alternates = [l for l in entry.findall(f"{ATOM}link") if l.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href")
        assert entry.find(f"{ATOM}summary").get("type") == "text"
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    return entries


def resolve(site: Path, base: str, from_url: str, href: str) -> Path:
    """The file a link from the file at `from_url` leads to (absolute or relative)."""
    absolute = urljoin(f"{base}/{from_url}", href)
    assert absolute.startswith(base + "/"), absolute
    path = site / absolute[len(base) + 1 :]
    return path / "index.html" if absolute.endswith("/") else path


def cite_texts(page: Path) -> dict[str, str]:
    """The citation texts of a paper page's Cite block, by format id (what a download holds)."""
    html_text = page.read_text()
    return {
        fmt: html.unescape(text)
        for fmt, text in re.findall(
            r'<pre class="cite-text" id="cite-([\w-]+)"[^>]*>(.*?)</pre>', html_text, re.DOTALL
        )
    }


def check_bib(data: bytes, count: int) -> list:
    library = bibtexparser.parse_string(data.decode("utf-8"))
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert len(keys) == count and len(set(keys)) == count
    return library.entries


# --- with a base_url ------------------------------------------------------------------


def test_files_for_every_paper_and_topic(published: Path) -> None:
    for paper_id in PAPERS:
        texts = cite_texts(published / "papers" / paper_id / "index.html")
        entries = check_bib(texts["bibtex"].encode(), 1)
        assert entries[0].key in texts["ris"]
        jsonschema.validate(json.loads(texts["csl-json"]), CSL_SCHEMA)
        assert not list((published / "papers" / paper_id).glob("cite.*"))  # made on the page
    assert len(check_bib((published / "survey.bib").read_bytes(), len(PAPERS))) == 3
    assert (
        (published / "survey.bib").read_text().startswith(f"% Fixture Survey: 3 papers. {BASE}/\n")
    )
    expected = {"architectures": 1, "spiking": 1, "efficiency": 2}
    for slug, count in expected.items():
        check_bib((published / "topics" / slug / f"{slug}.bib").read_bytes(), count)


def test_sitemap_lists_every_page_and_robots_points_to_it(published: Path) -> None:
    urlset = ET.fromstring((published / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in urlset.iter(f"{SITEMAP}loc")]
    assert sorted(locs) == sorted(f"{BASE}/{url}" for url in pages(published) if url != "404.html")
    assert len(locs) == len(set(locs)) >= 11
    robots = (published / "robots.txt").read_text()
    assert robots == f"User-agent: *\nDisallow:\n\nSitemap: {BASE}/sitemap.xml\n"


def test_feeds_are_valid_atom_and_link_to_pages(published: Path) -> None:
    entries = check_atom((published / "feed.xml").read_bytes(), "feed.xml")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Attention Is Enough",
        "Spiking Networks for Robots",
        "Pruning Lottery Tickets",
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}id") == f"{BASE}/papers/attention-is-enough/"
    assert "<b>tags</b> & more." in first.findtext(f"{ATOM}summary")
    authors = [n.text for n in entries[1].iter(f"{ATOM}name")]
    assert authors == ["Ada Lovelace", "Alan Turing"]
    for slug, titles in {
        "spiking": ["Spiking Networks for Robots"],
        "efficiency": ["Attention Is Enough", "Pruning Lottery Tickets"],
    }.items():
        feed_url = f"topics/{slug}/feed.xml"
        topic_entries = check_atom((published / feed_url).read_bytes(), feed_url)
        assert [e.findtext(f"{ATOM}title") for e in topic_entries] == titles
        for entry in topic_entries:
            href = entry.find(f"{ATOM}link").get("href")
            assert resolve(published, BASE, feed_url, href).is_file()


def test_every_page_has_canonical_meta_and_feed_links(published: Path) -> None:
    for url in pages(published):
        page = (
            published / url / "index.html" if not url.endswith(".html") else published / url
        ).read_text()
        links = [a for tag, a in head_tags(page) if tag == "link"]
        if url != "404.html":
            assert [a["href"] for a in links if a.get("rel") == "canonical"] == [f"{BASE}/{url}"]
            assert meta(page, "og:url") == [f"{BASE}/{url}"]
        feeds = [a for a in links if a.get("rel") == "alternate"]
        assert feeds and all(a["type"] == "application/atom+xml" for a in feeds)
        for feed in feeds:
            from_url = "does/not/exist/" if url == "404.html" else url
            target = urljoin(f"https://example.org/survey/{from_url}", feed["href"])
            assert (published / target.removeprefix(f"{BASE}/")).is_file(), (url, feed)
        assert meta(page, "og:title") and meta(page, "twitter:card") == ["summary"]
        assert meta(page, "og:site_name") == ["Fixture Survey"]
    broken = broken_links(published, mount="/survey/")
    assert [b for b in broken if not b.startswith("404.html: #")] == []


def test_paper_page_metadata(published: Path) -> None:
    page = (published / "papers/spiking-networks-for-robots/index.html").read_text()
    assert meta(page, "citation_title") == ["Spiking Networks for Robots"]
    assert meta(page, "citation_author") == ["Ada Lovelace", "Alan Turing"]
    assert meta(page, "citation_publication_date") == ["2023"]
    assert meta(page, "citation_pdf_url") == ["https://arxiv.org/pdf/2301.00001"]
    assert meta(page, "citation_arxiv_id") == ["2301.00001"]
    assert meta(page, "citation_abstract_html_url") == [
        f"{BASE}/papers/spiking-networks-for-robots/"
    ]
    assert meta(page, "og:type") == ["article"]
    assert meta(page, "description")[0].startswith("Spiking neural networks promise")
    data = json_ld(page)
    assert data["@type"] == "ScholarlyArticle" and data["name"] == "Spiking Networks for Robots"
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Lovelace"},
        {"@type": "Person", "name": "Alan Turing"},
    ]
    assert data["url"] == f"{BASE}/papers/spiking-networks-for-robots/"
    assert data["sameAs"] == ["https://arxiv.org/abs/2301.00001"]
    assert 'href="../../feed.xml"' in page


def test_paper_page_cite_block(published: Path) -> None:
    page = (published / "papers/spiking-networks-for-robots/index.html").read_text()
    block = page.split('<section class="cite"')[1].split("</section>")[0]
    assert "<code>lovelace2023spiking</code>" in block
    assert block.count("<details") == 3 and block.count(" open>") == 1
    assert re.search(
        r'<pre class="cite-text" id="cite-bibtex" [^>]*>@misc\{lovelace2023spiking,\n', block
    )
    assert 'id="cite-ris"' in block and 'id="cite-csl-json"' in block and "<button" not in block
    for fmt, filename in (
        ("bibtex", "lovelace2023spiking.bib"),
        ("ris", "lovelace2023spiking.ris"),
        ("csl-json", "lovelace2023spiking.json"),
    ):
        assert re.search(
            f'<pre class="cite-text" id="cite-{fmt}" [^>]*data-filename="{filename}"', block
        )
    assert block.count(" data-crlf") == 1 and re.search(r'id="cite-ris" [^>]* data-crlf>', block)
    assert 'role="status"' in block and "onclick" not in page


def test_topic_page_links(published: Path) -> None:
    page = (published / "topics/efficiency/index.html").read_text()
    assert 'href="../../topics/efficiency/efficiency.bib" download="efficiency.bib"' in page
    feeds = [a for tag, a in head_tags(page) if a.get("rel") == "alternate"]
    assert [f["href"] for f in feeds] == ["../../topics/efficiency/feed.xml", "../../feed.xml"]
    assert meta(page, "og:description") == ["Smaller and faster networks."]
    footer = page.split("<footer")[1]
    assert 'href="../../survey.bib"' in footer and 'href="../../feed.xml"' in footer


# --- without a base_url ---------------------------------------------------------------


def test_without_base_url_absolute_addresses_degrade(local: Path) -> None:
    assert not (local / "sitemap.xml").exists()
    assert (local / "robots.txt").read_text() == "User-agent: *\nDisallow:\n"
    page = (local / "papers/spiking-networks-for-robots/index.html").read_text()
    assert 'rel="canonical"' not in page and not meta(page, "og:url")
    assert meta(page, "citation_abstract_html_url") == ["https://arxiv.org/abs/2301.00001"]
    assert "url" not in json_ld(page)
    bare = (local / "papers/attention-is-enough/index.html").read_text()
    assert not meta(bare, "citation_abstract_html_url") and not meta(bare, "citation_pdf_url")
    assert (local / "survey.bib").read_text().startswith("% Fixture Survey: 3 papers.\n")


def test_without_base_url_feeds_use_relative_links_and_uuid_ids(local: Path) -> None:
    base = "http://anywhere/sub"
    for feed_url in ("feed.xml", "topics/spiking/feed.xml"):
        data = (local / feed_url).read_bytes()
        entries = check_atom(data, feed_url)
        feed = ET.fromstring(data)
        assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:")
        for link in feed.findall(f"{ATOM}link"):
            assert resolve(local, base, feed_url, link.get("href")).is_file()
        for entry in entries:
            assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
            href = entry.find(f"{ATOM}link").get("href")
            assert not urlsplit(href).scheme and resolve(local, base, feed_url, href).is_file()
    whole = ET.fromstring((local / "feed.xml").read_bytes())
    topic = ET.fromstring((local / "topics/spiking/feed.xml").read_bytes())
    robots_id = next(
        e.findtext(f"{ATOM}id")
        for e in whole.iter(f"{ATOM}entry")
        if "Robots" in e.findtext(f"{ATOM}title")
    )
    assert topic.find(f"{ATOM}entry").findtext(f"{ATOM}id") == robots_id  # one paper, one id


# --- hostile text, empty feeds, determinism -------------------------------------------


def test_hostile_title_cannot_break_out_of_json_ld_or_xml(tmp_path: Path) -> None:
    papers = dict(PAPERS)
    papers["hostile"] = """\
        title: "</script><script>alert(1)</script> <!-- & \\u0007 ]]>"
        authors: ["Eve </script>"]
        added: 2026-01-05
        abstract: "Bad \\u0001 bytes </summary> & ]]> here."
        """
    project = write_content(tmp_path, papers=papers, site=SITE_YAML + f"base_url: {BASE}\n")
    build(project)
    page = (project.output / "papers/hostile/index.html").read_text()
    [script] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert "<" not in script and ">" not in script
    assert json.loads(script)["name"].startswith("</script><script>alert(1)</script> <!--")
    assert "<script>alert(1)" not in page
    entries = check_atom((project.output / "feed.xml").read_bytes(), "feed.xml")
    assert entries[0].findtext(f"{ATOM}title").startswith("</script><script>")
    assert entries[0].findtext(f"{ATOM}summary") == "Bad  bytes </summary> & ]]> here."
    check_bib(cite_texts(project.output / "papers/hostile/index.html")["bibtex"].encode(), 1)


def test_feed_without_dated_papers(tmp_path: Path) -> None:
    papers = {"undated": "title: Undated\nabstract: No date.\n"}
    project = write_content(tmp_path, papers=papers, topics={})
    build(project)
    feed = ET.fromstring((project.output / "feed.xml").read_bytes())
    assert check_atom((project.output / "feed.xml").read_bytes(), "feed.xml") == []
    assert feed.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"


def test_exports_are_deterministic(tmp_path: Path) -> None:
    site = SITE_YAML + f"base_url: {BASE}\n"
    first = build(write_content(tmp_path / "a", site=site), write=False).files
    second = build(write_content(tmp_path / "b", site=site), write=False).files
    exported = [p for p in first if p.endswith((".bib", ".ris", ".json", ".xml", ".txt"))]
    assert len(exported) > 15
    assert all(first[p] == second[p] for p in exported)


# --- the real survey ------------------------------------------------------------------


def test_real_survey_exports(real_site: Path) -> None:
    papers = sorted(p.parent.name for p in real_site.glob("papers/*/index.html"))
    assert len(papers) > 300
    check_bib((real_site / "survey.bib").read_bytes(), len(papers))
    for paper_id in papers:
        texts = cite_texts(real_site / "papers" / paper_id / "index.html")
        check_bib(texts["bibtex"].encode(), 1)
        assert texts["ris"].startswith("TY  - ") and texts["ris"].endswith("ER  - \n")
        jsonschema.validate(json.loads(texts["csl-json"]), CSL_SCHEMA)
    topic_bibs = list(real_site.glob("topics/*/*.bib"))
    assert topic_bibs and all(library_ok(p) for p in topic_bibs)
    check_atom((real_site / "feed.xml").read_bytes(), "feed.xml")
    for feed in real_site.glob("topics/*/feed.xml"):
        check_atom(feed.read_bytes(), feed.relative_to(real_site).as_posix())
    locs = [
        loc.text
        for loc in ET.fromstring((real_site / "sitemap.xml").read_bytes()).iter(f"{SITEMAP}loc")
    ]
    assert len(locs) == len(pages(real_site)) - 1


def library_ok(path: Path) -> bool:
    return bibtexparser.parse_string(path.read_text(encoding="utf-8")).failed_blocks == []
