"""The vendored lunr.js 2.3.9 finds exactly what lunr.py finds in our Python-built index.

Every distinct word of a realistic corpus is searched in both engines (all lunr.js queries in
one Node process). The corpus is content/papers/*.yaml when it holds at least MIN_PAPERS
records, else the fixture tests/js/fixture_corpus.json, which carries the words whose stems
differ between stock lunr.py and lunr.js ("survey", "key", "deploy", "employ", "always").
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import lunr
import pytest
import yaml
from lunr.exceptions import QueryParseError
from lunr.index import Index

from surveysite.search_index import (
    FIELD_BOOSTS,
    SearchEntry,
    build_index,
    build_search_files,
    index_document,
    stem_word,
    trim_word,
)

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor" / "lunr"
RUNNER = ROOT / "tests" / "js" / "lunr_runner.js"
FIXTURE = ROOT / "tests" / "js" / "fixture_corpus.json"
PAPERS = ROOT / "content" / "papers"
MIN_PAPERS = 50

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


def run_lunr_js(lunr_js: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Run tests/js/lunr_runner.js once with the given lunr.js build."""
    if shutil.which("node") is None:
        pytest.fail("node is required for the lunr.js parity tests")
    completed = subprocess.run(
        ["node", str(RUNNER), str(lunr_js)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=300,
    )
    return json.loads(completed.stdout)


def python_hits(index: Index, query: str) -> dict[str, float] | str:
    """lunr.py's hits as {ref: score}, or "QueryParseError"."""
    try:
        return {hit["ref"]: hit["score"] for hit in index.search(query)}
    except QueryParseError:
        return "QueryParseError"


def js_hits(result: list[list[Any]] | dict[str, str]) -> dict[str, float] | str:
    """lunr.js's hits in the same shape as python_hits."""
    if isinstance(result, dict):
        return result["error"]
    return {ref: score for ref, score in result}


def same_hits(a: dict[str, float] | str, b: dict[str, float] | str) -> bool:
    """Same documents with the same scores (or the same error)."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-9) for k in a)


@pytest.fixture(scope="module")
def corpus() -> list[SearchEntry]:
    return load_corpus()


@pytest.fixture(scope="module")
def words(corpus: list[SearchEntry]) -> list[str]:
    return corpus_words(corpus)


@pytest.fixture(scope="module")
def serialized(corpus: list[SearchEntry]) -> dict[str, Any]:
    return json.loads(build_search_files(corpus)["search/index.json"])


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


@pytest.mark.parametrize("build", ["lunr.js", "lunr.min.js"])
def test_the_serialized_pipeline_loads_in_lunr_js(build: str, serialized: dict[str, Any]) -> None:
    response = run_lunr_js(VENDOR / build, {"index": serialized, "queries": []})
    assert response["version"] == "2.3.9"
    assert response["pipeline"] == ["trimmer", "stemmer"]


def test_stems_and_trims_match_lunr_js(words: list[str]) -> None:
    response = run_lunr_js(VENDOR / "lunr.min.js", {"words": words})
    stems = dict(zip(words, response["stems"], strict=True))
    trims = dict(zip(words, response["trims"], strict=True))
    assert {w: stem_word(w) for w in words if stem_word(w) != stems[w]} == {}
    assert {w: trim_word(w) for w in words if trim_word(w) != trims[w]} == {}


@pytest.fixture(scope="module")
def both_results(
    words: list[str], serialized: dict[str, Any], python_index: Index
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every word's hits in lunr.py and in the shipped lunr.min.js (run side by side)."""
    request = {"index": serialized, "queries": words}
    with ThreadPoolExecutor(max_workers=1) as pool:
        js_run = pool.submit(run_lunr_js, VENDOR / "lunr.min.js", request)
        python_results = {word: python_hits(python_index, word) for word in words}
        js_results = dict(zip(words, map(js_hits, js_run.result()["results"]), strict=True))
    return python_results, js_results


def test_every_corpus_word_finds_the_same_papers(
    words: list[str], both_results: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    python_results, js_results = both_results
    mismatches = {
        word: (python_results[word], js_results[word])
        for word in words
        if not same_hits(python_results[word], js_results[word])
    }
    assert dict(list(mismatches.items())[:20]) == {}, f"{len(mismatches)} words differ"
    assert sum(bool(hits) for hits in python_results.values()) > len(words) // 2


def test_punctuated_words_find_what_the_bare_word_finds(
    words: list[str], serialized: dict[str, Any]
) -> None:
    bare = [word for word in words if re.fullmatch(r"[a-z0-9]+", word)]
    queries = bare + [shape.format(word) for shape in PUNCTUATED for word in bare]
    response = run_lunr_js(VENDOR / "lunr.min.js", {"index": serialized, "queries": queries})
    hits = dict(zip(queries, map(js_hits, response["results"]), strict=True))
    differ = [
        shape.format(word)
        for shape in PUNCTUATED
        for word in bare
        if not same_hits(hits[shape.format(word)], hits[word])
    ]
    assert differ == []
    assert hits["survey"] and hits["(survey)"] == hits["survey"]


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
