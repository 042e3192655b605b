"""static/search.js: its query engine in Node, and a smoke test in Chromium on a tiny harness site.

The engine runs on the sharded search files built from the fixture corpus, as built and cut into
many small shards (so that routing terms to the longest shard key that begins them is exercised).
The harness follows search.js's page contract, is served under a sub-path (/sub/) with a
strict Content-Security-Policy, and holds the same files. The lead's browser tests cover the
real site; these cover search.js on its own.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from surveysite.search_files import DOCS_CHUNK, TIERS, Tier, build_search_files
from surveysite.search_index import (
    SearchEntry,
    build_index,
    result_view,
    short_refs,
    snippet_source,
)
from tests.conftest import http_server

ROOT = Path(__file__).resolve().parents[1]
SEARCH_JS = ROOT / "static" / "search.js"
VENDOR = ROOT / "static" / "vendor" / "lunr"
RUNNER = ROOT / "tests" / "js" / "search_runner.js"
FIXTURE = ROOT / "tests" / "js" / "fixture_corpus.json"
CHROMIUM = Path("/usr/bin/chromium")

HOSTILE = [
    "foo:", "~", "+-", "^", "title:", ":", "-", "+", "*", "**", "~2", "title:~", "foo:bar",
    '"', "'", "(", ")", "(((", "[", "{", "\\", "attention~", "attention^", "attention^x",
    "attention~99", "constructor~22\U0001f600", "__proto__", "constructor", "hasOwnProperty",
    "title:constructor", "\U0001f600", "\u2603 \"'<>&", "a" * 500, "-attention -survey",
    "+", " ", "\u00a0", "\ufeff", "title:title:title", "::", "~~", "^^", "+-+-", "attention?",
    "e.g.,", "$o(n^2)$", "日本語", "é", "<img src=x onerror=alert(1)>",
]  # fmt: skip
FUZZ_ALPHABET = ["a", "ti", "title", "spik", ":", "~", "^", "+", "-", "*", " ", "1", "2", "(",
                 '"', "\\", "\U0001f600", ".", "?", "constructor", "é"]  # fmt: skip


def fixture_entries() -> list[SearchEntry]:
    """The committed fixture corpus as search entries."""
    return [
        SearchEntry(
            id=r["id"],
            url=f"papers/{r['id']}/",
            title=r["title"],
            topics=tuple(r["topics"]),
            authors=tuple(r["authors"]),
            abstract=r["abstract"],
            year=r["year"],
        )
        for r in json.loads(FIXTURE.read_text(encoding="utf-8"))
    ]


ENTRIES = fixture_entries()
IDS = sorted(entry.id for entry in ENTRIES)
FILES = build_search_files(ENTRIES)
SPLIT_TIERS = tuple(Tier(t.name, t.fields, t.key_length, 2, t.prefix) for t in TIERS)
BUILDS = {"as built": FILES, "split": build_search_files(ENTRIES, SPLIT_TIERS)}


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        write(folder / path, data)
    return folder


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The search files of each build, each in its own folder."""
    return {
        name: write_files(tmp_path_factory.mktemp(name.replace(" ", "-")), files)
        for name, files in BUILDS.items()
    }


@pytest.fixture(scope="module", params=sorted(BUILDS))
def site(request: pytest.FixtureRequest, sites: dict[str, Path]) -> Path:
    """The search files, as built and split into small shards."""
    return sites[request.param]


def run_search_js(
    site: Path | None,
    queries: list[str],
    snippets: list[dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
    docs: list[str] | None = None,
) -> dict:
    """Run queries (snippets, documents of refs) through search.js's own engine in one Node process."""
    if shutil.which("node") is None:
        pytest.fail("node is required to test search.js")
    request = {
        "dir": str(site) if site else None,
        "queries": queries,
        "snippets": snippets or [],
        "options": options or {},
        "docs": docs,
    }
    completed = subprocess.run(
        ["node", str(RUNNER), str(VENDOR / "lunr.min.js"), str(SEARCH_JS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=300,
    )
    return json.loads(completed.stdout)


def found(result: dict[str, Any]) -> list[str]:
    """The paper ids of one search.js result list, best first."""
    assert "error" not in result, result.get("error")
    return [IDS[int(ref, 36)] for ref in result["refs"]]


# ---------------------------------------------------------------- the query code, in Node


def test_no_input_makes_search_throw(site: Path) -> None:
    rng = random.Random(7)
    fuzz = ["".join(rng.choices(FUZZ_ALPHABET, k=rng.randint(1, 8))) for _ in range(3000)]
    results = run_search_js(site, HOSTILE + fuzz)["results"]
    errors = {q: r["error"] for q, r in zip(HOSTILE + fuzz, results, strict=True) if "error" in r}
    assert errors == {}


def test_adversarial_queries_stay_fast(site: Path) -> None:
    """Long fuzzy words and many wildcards are tamed (lunr would take seconds to minutes)."""
    queries = [
        "a" * 198 + "~2",
        "constructor~22",
        "* " * 100,
        "*a *b *c *d *e *f *g *h *i *j *k *l *m",
        "*" * 200,
        "x~2 " * 50,
    ]
    slow = {
        q[:20]: r["ms"]
        for q, r in zip(queries, run_search_js(site, queries)["results"], strict=True)
    }
    assert {q: ms for q, ms in slow.items() if ms > 1500} == {}


@pytest.mark.parametrize("query", ["+-", "-", "+", "~", ":", "title:", "\U0001f600", "—"])
def test_queries_without_words_find_nothing_rather_than_everything(query: str, site: Path) -> None:
    assert found(run_search_js(site, [query])["results"][0]) == []


def test_punctuation_around_words_is_ignored(site: Path) -> None:
    queries = ["attention", "attention?", "(attention)", '"attention"', "attention,"]
    results = [found(r) for r in run_search_js(site, queries)["results"]]
    assert results[0] and all(r == results[0] for r in results)


def test_prefix_matching_keeps_every_exact_match(site: Path) -> None:
    """Every paper lunr finds for a whole word, search.js (which adds word*) finds too."""
    words = sorted({w.lower() for e in ENTRIES for w in e.abstract.split() if w.isalpha()})
    index = build_index(ENTRIES)
    exact = {w: {IDS[int(h["ref"], 36)] for h in index.search(w)} for w in words}
    typed = dict(zip(words, map(found, run_search_js(site, words)["results"]), strict=True))
    assert {w: exact[w] - set(typed[w]) for w in words if exact[w] - set(typed[w])} == {}


@pytest.mark.parametrize(
    ("query", "paper"),
    [
        ("surv", "attention-survey"),
        ("attenti", "attention-survey"),  # past the stem "attent", before "attention"
        ("attentio", "attention-survey"),
        ("spiki", "spiking-deploy"),  # on the way to "spiking", stem "spike"
        ("generatio", "diffusion-survey"),  # on the way to "generation", stem "gener"
        ("neuromorph", "spiking-deploy"),
        ("title:spik", "spiking-deploy"),
        ("title:spiking", "spiking-deploy"),
        ("deploy", "spiking-deploy"),
        ("keys", "key-value-memory"),
    ],
)
def test_half_typed_and_field_queries_find_the_paper(query: str, paper: str, site: Path) -> None:
    assert paper in found(run_search_js(site, [query])["results"][0])


def test_field_queries_stay_in_their_field(site: Path) -> None:
    results = run_search_js(site, ["title:survey", "title:surv"])["results"]
    for result in results:
        for paper_id in found(result):
            title = next(e.title for e in ENTRIES if e.id == paper_id)
            assert "survey" in title.lower()


def test_a_trailing_space_turns_prefix_matching_off(site: Path) -> None:
    with_prefix, without = run_search_js(site, ["surv", "surv "])["results"]
    assert "attention-survey" in found(with_prefix)
    assert found(without) == []


def shard_files(files: dict[str, bytes], tier: int, *keys: str) -> list[str]:
    """The files of some shards of a tier."""
    shards = json.loads(files["search/manifest.json"])["tiers"][tier]["shards"]
    return [shards[key] for key in keys]


@pytest.mark.parametrize(
    ("query", "title_keys", "abstract_keys"),
    [
        ("spiking", ["s"], ["sp"]),  # stem "spike"
        ("title:spiking", ["s"], []),
        ("abstract:spiking", [], ["sp"]),
        ("spiking graph", ["g", "s"], ["gr", "sp"]),
        ("grap~1", ["g"], ["gr"]),  # fuzzy: the shards of its own first characters
        ("*ing", [], []),  # a leading wildcard finds nothing
        ("ÿÿÿ", [], []),  # no shard holds it
    ],
)
def test_a_query_loads_only_the_shards_it_needs(
    query: str, title_keys: list[str], abstract_keys: list[str], sites: dict[str, Path]
) -> None:
    result = run_search_js(sites["as built"], [query], options={"typing": False})["results"][0]
    expected = shard_files(FILES, 0, *title_keys) + shard_files(FILES, 1, *abstract_keys)
    assert sorted(result["files"]) == sorted(expected)


def test_a_trailing_wildcard_loads_every_shard_its_prefix_may_be_in(sites: dict[str, Path]) -> None:
    result = run_search_js(sites["as built"], ["s*"], options={"typing": False})["results"][0]
    shards = json.loads(FILES["search/manifest.json"])["tiers"][1]["shards"]
    s_keys = [key for key in shards if key.startswith("s")]
    assert len(s_keys) > 3
    assert sorted(f for f in result["files"] if f.startswith("a-")) == sorted(
        shards[key] for key in s_keys
    )
    assert {"spiking-deploy", "attention-survey"} <= set(found(result))


def test_typing_a_word_loads_only_its_shards(sites: dict[str, Path]) -> None:
    """The prefix match for the last word stays in the shards of the word itself."""
    result = run_search_js(sites["as built"], ["netw"])["results"][0]
    assert sorted(result["files"]) == sorted(
        shard_files(FILES, 0, "n") + shard_files(FILES, 1, "ne")
    )
    assert "graph-survey" in found(result)


@pytest.mark.parametrize(
    ("query", "papers"),
    [
        ("+graph +survey", {"graph-survey"}),  # in different shards of both tiers
        ("+keys +monkeys", {"empty-abstract"}),
        ("+graph +diffusion", set()),
        ("survey -graph -attention", {"diffusion-survey", "efficient-transformers", "llm-agents",
                                      "empty-abstract", "naive-bayes"}),
        ("+survey -title:survey", {"naive-bayes"}),  # "survey" only in its abstract
        ("+title:graph +neural", {"graph-survey"}),
    ],
)  # fmt: skip
def test_presence_applies_across_shards_and_tiers(query: str, papers: set[str], site: Path) -> None:
    result = run_search_js(site, [query + " "])["results"][0]
    lunr_py = build_index(ENTRIES).search(query)
    assert set(found(result)) == papers == {IDS[int(hit["ref"], 36)] for hit in lunr_py}


def test_a_field_query_runs_only_on_the_tier_with_the_field(site: Path) -> None:
    queries = ["title:survey ", "abstract:survey "]
    results = run_search_js(site, queries)["results"]
    for query, result in zip(queries, results, strict=True):
        field = query.split(":")[0]
        expected = {IDS[int(h["ref"], 36)] for h in build_index(ENTRIES).search(query)}
        assert set(found(result)) == expected
        assert all(name.startswith("t-" if field == "title" else "a-") for name in result["files"])
    assert "naive-bayes" not in found(results[0]) and "naive-bayes" in found(results[1])


def test_a_query_of_only_excluded_words_says_so(site: Path) -> None:
    result = run_search_js(site, ["-survey", "-survey -graph"])["results"]
    assert all(r["onlyExcluded"] and r["refs"] == [] for r in result)


def test_two_words_of_one_stem_count_once(site: Path) -> None:
    one, two = run_search_js(site, ["survey ", "survey surveys "])["results"]
    assert one["refs"] == two["refs"]
    assert one["scores"] == pytest.approx(two["scores"], rel=1e-12)


def test_the_engine_reads_what_results_show_from_the_docs_chunks_and_snippet_files(
    tmp_path: Path,
) -> None:
    """Every ref's document and snippet source, as search_files wrote them (three chunks)."""
    entries = [
        replace(e, id=f"{e.id}-{n}", url=f"papers/{e.id}-{n}/") for n in range(3) for e in ENTRIES
    ]
    ordered = sorted(entries, key=lambda e: e.id)
    assert len(ordered) > 2 * DOCS_CHUNK
    site = write_files(tmp_path, build_search_files(entries))
    refs = short_refs(len(ordered))
    found = run_search_js(site, [], docs=[*refs, short_refs(len(ordered) + 1)[-1]])["docs"]
    assert found[:-1] == [
        {"doc": result_view(e), "snippet": snippet_source(e.abstract)} for e in ordered
    ]
    assert found[-1] == {"doc": None, "snippet": None}  # a ref past the last document


def test_snippets_mark_the_matched_words_around_the_first_match() -> None:
    text = " ".join(["filler"] * 60) + " we deploy (surveys) today; deploying again. " + "end " * 60
    parts = run_search_js(None, [], [{"text": text, "terms": ["deploy", "survey"]}])["snippets"][0]
    assert [p["text"] for p in parts if p["mark"]] == ["deploy", "surveys", "deploying"]
    joined = "".join(p["text"] for p in parts)
    assert joined.startswith("… filler") and joined.endswith(" …")
    assert "(surveys)" in joined and len(joined) < 260


def test_search_js_builds_no_html_from_strings() -> None:
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", SEARCH_JS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert "textContent" in code
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", code)
    assert "new Function" not in code


# ---------------------------------------------------------------- the harness site, in Chromium

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"
PAGE = """<!DOCTYPE html>
<html lang="en" data-root="{root}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title>
<link rel="icon" href="{root}favicon.svg" type="image/svg+xml">
<script src="{root}static/search.js" defer></script>
</head>
<body>
<header>
<form class="site-search" role="search" action="{root}search/" method="get">
<label for="site-search-input" class="visually-hidden">Search</label>
<input type="search" id="site-search-input" name="q" autocomplete="off"
 aria-controls="site-search-panel" aria-expanded="false">
</form>
<div id="site-search-panel" class="search-panel" hidden></div>
</header>
<main><h1>{title}</h1>{main}</main>
</body>
</html>
"""
SEARCH_MAIN = """
<form><label for="search-page-input">Search papers</label>
<input type="search" id="search-page-input" name="q"></form>
<p id="search-status" aria-live="polite">Type to search.</p>
<ol id="search-results" class="search-results"></ol>
"""


def write_harness(site: Path) -> None:
    """A tiny site following search.js's page contract."""
    pages = {"index.html": ("", "Home", ""), "search/index.html": ("../", "Search", SEARCH_MAIN)}
    for entry in ENTRIES:
        pages[f"{entry.url}index.html"] = ("../../", entry.title, "")
    for path, (root, title, main) in pages.items():
        html = PAGE.format(root=root, title=title, main=main, csp=CSP)
        write(site / path, html.encode("utf-8"))
    for path, data in FILES.items():
        write(site / path, data)
    write(site / "static" / "search.js", SEARCH_JS.read_bytes())
    write(site / "static/vendor/lunr/lunr.min.js", (VENDOR / "lunr.min.js").read_bytes())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'
    write(site / "favicon.svg", svg)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The harness served by http.server under the sub-path /sub/; yields its URL."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium: run ./scripts/test, which installs it"
        )
    www = tmp_path_factory.mktemp("www")
    write_harness(www / "sub")
    with http_server(www) as base:
        yield f"{base}/sub/"


def test_typing_in_the_header_shows_the_paper_and_opens_it(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    requested: list[str] = []
    reader.on("request", lambda request: requested.append(request.url))
    reader.goto(harness + "papers/graph-survey/")
    reader.wait_for_load_state("networkidle")
    assert not [url for url in requested if "/search/" in url or "lunr" in url]
    box = reader.locator("#site-search-input")
    box.click()
    box.press_sequentially("deploy", delay=20)
    panel = reader.locator("#site-search-panel")
    expect(panel).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    first = panel.locator(".search-result").first
    expect(first.locator(".search-result-title")).to_contain_text("spiking")
    expect(first.locator(".search-result-snippet mark").first).to_have_text(
        re.compile("deploy", re.IGNORECASE)
    )
    assert harness + "search/manifest.json" in requested
    assert [url for url in requested if re.search(r"/search/t-[0-9a-f]{12}\.json$", url)]
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(reader).to_have_url(harness + "papers/spiking-deploy/")


def test_escape_and_a_click_outside_close_the_panel(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    reader.goto(harness)
    box = reader.locator("#site-search-input")
    box.click()
    box.press_sequentially("survey", delay=10)
    panel = reader.locator("#site-search-panel")
    expect(panel.locator(".search-panel-all")).to_contain_text("results")
    box.press("Escape")
    expect(panel).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    expect(panel).to_be_visible()
    reader.locator("h1").click()
    expect(panel).to_be_hidden()


def test_enter_submits_to_the_search_page_which_keeps_the_query_in_the_url(
    reader: Any, harness: str
) -> None:
    from playwright.sync_api import expect

    reader.goto(harness + "papers/rl-play/")
    box = reader.locator("#site-search-input")
    box.click()
    box.press_sequentially("title:survey", delay=10)
    box.press("Enter")
    expect(reader).to_have_url(harness + "search/?q=title%3Asurvey")
    results = reader.locator("#search-results .search-result")
    expect(results.first).to_be_visible()
    assert all(
        "survey" in t.lower() for t in results.locator(".search-result-title").all_inner_texts()
    )
    page_box = reader.locator("#search-page-input")
    expect(page_box).to_have_value("title:survey")
    page_box.fill("employ")
    expect(reader).to_have_url(harness + "search/?q=employ")
    expect(reader.locator("#search-status")).to_contain_text("match")
    href = results.first.locator(".search-result-title").get_attribute("href")
    assert href and href.startswith("../papers/")


def test_lunr_syntax_errors_give_a_friendly_message(reader: Any, harness: str) -> None:
    from playwright.sync_api import expect

    reader.goto(harness + "search/")
    box = reader.locator("#search-page-input")
    status = reader.locator("#search-status")
    for query in ["foo:", "~", "+-", "^", "title:", ":", '"(', "\U0001f600", "a" * 300]:
        box.fill(query)
        expect(status).to_have_text(re.compile("No papers match|papers? match"))
    box.fill("")
    expect(status).to_have_text("Type to search.")
    header = reader.locator("#site-search-input")
    header.click()
    header.press_sequentially("+-", delay=10)
    expect(reader.locator("#site-search-panel")).to_contain_text("No papers match")


def test_a_missing_index_gives_a_friendly_message(page: Any, harness: str) -> None:
    from playwright.sync_api import expect

    page.route("**/search/manifest.json", lambda route: route.abort())
    page.goto(harness + "search/?q=survey")
    expect(page.locator("#search-status")).to_contain_text("Search is unavailable")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_panel_and_the_results_page_pass_axe(page: Any, harness: str, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    page.emulate_media(color_scheme=scheme)
    page.goto(harness)
    box = page.locator("#site-search-input")
    box.click()
    box.press_sequentially("survey", delay=10)
    expect(page.locator("#site-search-panel .search-result").first).to_be_visible()
    box.press("ArrowDown")
    violations = Axe().run(page).response["violations"]
    page.goto(harness + "search/?q=attention")
    expect(page.locator("#search-results .search-result").first).to_be_visible()
    violations += Axe().run(page).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
