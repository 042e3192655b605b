"""The sharded search finds exactly what lunr.py finds in one full index, with the same scores.

Every distinct word of a realistic corpus is searched twice: with static/search.js's own engine
in Node (the vendored lunr.min.js, loading the shards each word needs the way the page does, all
queries in one process), and with lunr.py in one monolithic index built by lunr.py's own Builder
(the reference). The sharded files are checked as built and cut into many small shards (tiny
budgets), so that routing a term to the longest shard key that begins it is exercised too.

The corpus is content/papers/*.yaml when it holds at least MIN_PAPERS records, else the fixture
tests/js/fixture_corpus.json, which carries the words whose stems differ between stock lunr.py
and lunr.js ("survey", "key", "deploy", "employ", "always").
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lunr
import pytest
import yaml
from lunr.exceptions import QueryParseError
from lunr.index import Index
from lunr.query import Query, QueryPresence
from lunr.query_parser import QueryParser

from surveysite.lunr_builder import serialize
from surveysite.search_files import TIERS, Tier, build_search_files
from surveysite.search_index import (
    FIELD_BOOSTS,
    SearchEntry,
    build_data,
    build_index,
    index_document,
    stem_word,
    trim_word,
)

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor" / "lunr"
LUNR_RUNNER = ROOT / "tests" / "js" / "lunr_runner.js"
SEARCH_RUNNER = ROOT / "tests" / "js" / "search_runner.js"
SEARCH_JS = ROOT / "static" / "search.js"
FIXTURE = ROOT / "tests" / "js" / "fixture_corpus.json"
PAPERS = ROOT / "content" / "papers"
MIN_PAPERS = 50
# The same tiers with budgets so small that most shards are split, some several times.
SPLIT_TIERS = tuple(
    Tier(t.name, t.fields, t.key_length, budget, t.prefix)
    for t, budget in zip(TIERS, (60, 150), strict=True)
)

# sha256 of the files in `npm pack lunr@2.3.9`.
VENDORED_SHA256 = {
    "lunr.js": "9431726f05c0eae2a6e54dc197709422869f25cad44f2430d2fb7ddae80cc717",
    "lunr.min.js": "0c50d9002b85780a842afffb567bb54ede402dae7c6dc5997a018614d8044fc8",
    "LICENSE": "ae33f5a0d538cd93de1136a052ffa734b59d6b28e7cfc19e03de1d8b5d9f40ea",
}
# fmt: off
TRICKY_WORDS = (
    'survey', 'surveys', 'surveyed', 'key', 'keys', 'deploy', 'deployed', 'employ', 'employer',
    'always', 'today', 'play', 'delay', 'relay', 'journey', 'monkey', 'attorney', 'betray', 'obey',
    'convey', 'enjoy', 'destroy', 'essay', 'display', 'gateway', 'yearly', 'try', 'cry', 'by',
    'say', 'lay', 'buy', 'yyy', 'yay', '(e.g.,', 'attention?', '(attention)', 'café', 'naïve',
    'résumé', '日本語', '—', '100–0', 'o(n^2)', "llms'", 'x-former',
)
# fmt: on
PUNCTUATED = ("{}?", "({})", '"{}"', "«{}»,")
STRICT = {"typing": False, "strict": True}  # lunr.Index.search's parsing: no fallback, no prefix


def _strings(value: Any) -> tuple[str, ...]:
    """A YAML list (of strings or of mappings such as {name: ...}) as strings."""
    if not isinstance(value, list):
        return (str(value),) if value else ()
    return tuple(
        " ".join(map(str, item.values())) if isinstance(item, dict) else str(item) for item in value
    )


def entry_from_record(record: dict[str, Any], fallback_id: str) -> SearchEntry:
    """A search entry from a paper record; any field may be absent."""
    paper_id = str(record.get("id") or fallback_id)
    year = record.get("year")
    return SearchEntry(
        id=paper_id,
        url=f"papers/{paper_id}/",
        title=str(record.get("title") or ""),
        topics=_strings(record.get("topics")),
        authors=_strings(record.get("authors")),
        abstract=str(record.get("abstract") or ""),
        year=year if isinstance(year, int) else None,
    )


def load_corpus() -> list[SearchEntry]:
    """The real paper records if there are enough of them, else the fixture corpus."""
    paths = sorted(PAPERS.glob("*.yaml"))
    if len(paths) >= MIN_PAPERS:
        records = [(yaml.safe_load(path.read_text(encoding="utf-8")), path.stem) for path in paths]
        return [entry_from_record(rec, stem) for rec, stem in records if isinstance(rec, dict)]
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [entry_from_record(record, record["id"]) for record in records]


def corpus_words(entries: list[SearchEntry]) -> list[str]:
    """Every distinct lower-case, whitespace-separated word of every indexed field."""
    words = set(TRICKY_WORDS)
    for entry in entries:
        for text in index_document(entry, "").values():
            words.update(text.lower().split())
    return sorted(words)


def node(args: list[str], request: dict[str, Any]) -> dict[str, Any]:
    """Run a Node script with a JSON request on stdin; its JSON response."""
    if shutil.which("node") is None:
        pytest.fail("node is required for the lunr.js parity tests")
    completed = subprocess.run(
        ["node", *args],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=600,
    )
    return json.loads(completed.stdout)


def run_lunr_js(lunr_js: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Run tests/js/lunr_runner.js once with the given lunr.js build."""
    return node([str(LUNR_RUNNER), str(lunr_js)], request)


def run_sharded(site: Path, queries: list[str], options: dict[str, Any] = STRICT) -> list[Any]:
    """Every query's result in search.js's engine over the shards in `site`."""
    request = {"dir": str(site), "queries": queries, "options": options}
    response = node([str(SEARCH_RUNNER), str(VENDOR / "lunr.min.js"), str(SEARCH_JS)], request)
    return response["results"]


def python_hits(index: Index, query: str) -> dict[str, float] | str:
    """lunr.py's hits as {ref: score}, or "QueryParseError"."""
    try:
        return {hit["ref"]: hit["score"] for hit in index.search(query)}
    except QueryParseError:
        return "QueryParseError"


def sharded_hits(result: dict[str, Any]) -> dict[str, float] | str:
    """The sharded engine's hits in the same shape as python_hits."""
    if "error" in result:
        return result["error"]
    return dict(zip(result["refs"], result["scores"], strict=True))


def same_hits(a: dict[str, float] | str, b: dict[str, float] | str) -> bool:
    """Same documents with the same scores (or the same error)."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-9) for k in a)


def limit_of(query: str) -> str | None:
    """Which documented limit of the sharded search a query meets, if any (see search.js)."""
    parsed = Query(list(FIELD_BOOSTS))
    try:
        QueryParser(query, parsed).parse()
    except QueryParseError:
        return None
    clauses = parsed.clauses
    if clauses and all(c.presence == QueryPresence.PROHIBITED for c in clauses):
        return "only excluded"
    if any(c.term.startswith("*") for c in clauses):
        return "leading wildcard"
    if any(c.edit_distance for c in clauses):
        return "fuzzy"
    return None


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def corpus() -> list[SearchEntry]:
    return load_corpus()


@pytest.fixture(scope="module")
def words(corpus: list[SearchEntry]) -> list[str]:
    return corpus_words(corpus)


@pytest.fixture(scope="module")
def files(corpus: list[SearchEntry]) -> dict[str, bytes]:
    return build_search_files(corpus)


@pytest.fixture(scope="module")
def site(files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search files as built."""
    return write_files(tmp_path_factory.mktemp("sharded"), files)


@pytest.fixture(scope="module")
def split_site(corpus: list[SearchEntry], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search files cut into many small shards."""
    return write_files(tmp_path_factory.mktemp("split"), build_search_files(corpus, SPLIT_TIERS))


@pytest.fixture(scope="module")
def python_index(corpus: list[SearchEntry]) -> Index:
    return build_index(corpus)


def test_the_corpus_is_realistic(corpus: list[SearchEntry], words: list[str]) -> None:
    assert len(corpus) >= 10
    assert len(words) >= 500


@pytest.mark.parametrize("name", sorted(VENDORED_SHA256))
def test_vendored_lunr_is_the_npm_2_3_9_release(name: str) -> None:
    digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
    assert digest == VENDORED_SHA256[name]


def test_the_fast_builder_builds_the_index_lunr_py_builds(
    corpus: list[SearchEntry], python_index: Index
) -> None:
    expected = json.dumps(python_index.serialize(), sort_keys=True)
    assert json.dumps(serialize(build_data(corpus)), sort_keys=True) == expected


@pytest.mark.parametrize("build", ["lunr.js", "lunr.min.js"])
def test_every_shard_loads_in_lunr_js(build: str, files: dict[str, bytes]) -> None:
    manifest = json.loads(files["search/manifest.json"])
    for tier in manifest["tiers"]:
        names = sorted(tier["shards"].values())
        shards = [json.loads(files[f"search/{name}"]) for name in names]
        loaded = run_lunr_js(VENDOR / build, {"indexes": shards})["loaded"]
        assert {(d["version"], tuple(d["pipeline"]), tuple(d["fields"])) for d in loaded} == {
            ("2.3.9", ("trimmer", "stemmer"), tuple(tier["fields"]))
        }
        assert all(d["terms"] > 0 for d in loaded)


def test_stems_and_trims_match_lunr_js(words: list[str]) -> None:
    response = run_lunr_js(VENDOR / "lunr.min.js", {"words": words})
    stems = dict(zip(words, response["stems"], strict=True))
    trims = dict(zip(words, response["trims"], strict=True))
    assert {w: stem_word(w) for w in words if stem_word(w) != stems[w]} == {}
    assert {w: trim_word(w) for w in words if trim_word(w) != trims[w]} == {}


@pytest.fixture(scope="module")
def python_results(words: list[str], python_index: Index) -> dict[str, Any]:
    return {word: python_hits(python_index, word) for word in words}


@pytest.fixture(scope="module", params=["as built", "split"])
def sharded_results(
    request: pytest.FixtureRequest, words: list[str], site: Path, split_site: Path
) -> dict[str, Any]:
    """Every word's result in the sharded engine."""
    folder = site if request.param == "as built" else split_site
    return dict(zip(words, run_sharded(folder, words), strict=True))


def test_every_corpus_word_finds_the_same_papers_with_the_same_scores(
    words: list[str], python_results: dict[str, Any], sharded_results: dict[str, Any]
) -> None:
    mismatches = {
        word: (python_results[word], sharded_hits(sharded_results[word]))
        for word in words
        if limit_of(word) is None
        and not same_hits(python_results[word], sharded_hits(sharded_results[word]))
    }
    assert dict(list(mismatches.items())[:20]) == {}, f"{len(mismatches)} words differ"
    assert sum(bool(hits) for hits in python_results.values()) > len(words) // 2


def test_the_documented_limits_find_less_never_more(
    words: list[str], python_results: dict[str, Any], sharded_results: dict[str, Any]
) -> None:
    """Fuzzy words, leading wildcards and -excluded-only words are rare and never find more."""
    limited = {word: limit_of(word) for word in words if limit_of(word)}
    assert len(limited) < len(words) // 100
    for word, limit in limited.items():
        result = sharded_results[word]
        if limit == "only excluded":
            assert result["onlyExcluded"] and result["refs"] == [], word
        elif limit == "leading wildcard":
            assert result["refs"] == [], word
        else:
            assert set(result["refs"]) <= set(python_results[word]), word


def test_a_plain_word_loads_at_most_one_shard_per_tier(
    words: list[str], sharded_results: dict[str, Any]
) -> None:
    plain = [w for w in words if re.fullmatch(r"\w+", w)]
    for word in plain:
        files = sharded_results[word]["files"]
        assert sum(f.startswith("t-") for f in files) <= 1, word
        assert sum(f.startswith("a-") for f in files) <= 1, word


def test_punctuated_words_find_what_the_bare_word_finds(words: list[str], site: Path) -> None:
    bare = [word for word in words if re.fullmatch(r"[a-z0-9]+", word)]
    queries = bare + [shape.format(word) for shape in PUNCTUATED for word in bare]
    hits = dict(zip(queries, map(sharded_hits, run_sharded(site, queries)), strict=True))
    differ = [
        shape.format(word)
        for shape in PUNCTUATED
        for word in bare
        if not same_hits(hits[shape.format(word)], hits[word])
    ]
    assert differ == []
    assert hits["survey"] and hits["(survey)"] == hits["survey"]


def cross_shard_pairs(corpus: list[SearchEntry], count: int) -> list[tuple[str, str]]:
    """Pairs of words of one abstract whose stems differ in their first character."""
    rng = random.Random(11)
    pairs = []
    while len(pairs) < count:
        words = [
            w for w in rng.choice(corpus).abstract.lower().split() if re.fullmatch("[a-z]{4,}", w)
        ]
        if len(words) >= 2:
            a, b = rng.sample(words, 2)
            if stem_word(a)[0] != stem_word(b)[0]:
                pairs.append((a, b))
    return pairs


def test_several_words_and_presence_across_shards_score_as_in_one_full_index(
    corpus: list[SearchEntry], words: list[str], python_index: Index, site: Path, split_site: Path
) -> None:
    """Plain words over all fields, with +required and -prohibited ones: exactly lunr's scores."""
    rng = random.Random(5)
    bare = [w for w in words if re.fullmatch(r"[a-z]{3,}", w)]
    queries = [" ".join(rng.sample(bare, rng.randint(2, 4))) for _ in range(150)]
    for a, b in cross_shard_pairs(corpus, 60):
        queries += [f"+{a} +{b}", f"+{a} -{b}", f"{a} -{b}", f"{a} {b}", f"{a} {a}s"]
    expected = {query: python_hits(python_index, query) for query in queries}
    assert sum(bool(expected[f"+{a} +{b}"]) for a, b in cross_shard_pairs(corpus, 60)) > 30
    for folder in (site, split_site):
        found = dict(zip(queries, map(sharded_hits, run_sharded(folder, queries)), strict=True))
        differ = {
            q: (expected[q], found[q]) for q in queries if not same_hits(expected[q], found[q])
        }
        assert dict(list(differ.items())[:10]) == {}, f"{len(differ)} queries differ"


def test_field_queries_search_only_their_field(
    words: list[str], python_index: Index, site: Path
) -> None:
    bare = [w for w in words if re.fullmatch(r"[a-z]{3,}", w)][::7]
    queries = [f"{field}:{word}" for field in FIELD_BOOSTS for word in bare]
    found = dict(zip(queries, map(sharded_hits, run_sharded(site, queries)), strict=True))
    differ = [q for q in queries if not same_hits(python_hits(python_index, q), found[q])]
    assert differ == []
    assert sum(bool(found[q]) for q in queries if q.startswith("abstract:")) > 10


def test_a_query_of_only_excluded_words_finds_nothing_and_says_so(site: Path) -> None:
    result = run_sharded(site, ["-network", "-network -spiking"])
    assert all(r["onlyExcluded"] and r["refs"] == [] for r in result)


def test_stock_lunr_py_index_misses_lunr_js_queries(corpus: list[SearchEntry]) -> None:
    """Guard the guard: without our pipeline, lunr.js misses words that lunr.py finds."""
    fields = [{"field_name": name, "boost": boost} for name, boost in FIELD_BOOSTS.items()]
    documents = [index_document(entry, str(n)) for n, entry in enumerate(corpus)]
    stock = lunr.lunr(ref="ref", fields=fields, documents=documents)
    response = run_lunr_js(
        VENDOR / "lunr.min.js", {"index": stock.serialize(), "queries": ["survey", "attention?"]}
    )
    assert stock.search("survey") and response["results"][0] == []
    assert response["results"][1] == []
