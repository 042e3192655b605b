"""Unit tests of the search index and files: the lunr.js-compatible pipeline, fields, boosts,
the term shards and result chunks, the manifest, determinism."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunr.stemmer import porter_stemmer

from surveysite.lunr_builder import serialize
from surveysite.search_files import (
    DOCS_CHUNK,
    MANIFEST_PATH,
    TIERS,
    Tier,
    build_search_files,
)
from surveysite.search_index import (
    FIELD_BOOSTS,
    SNIPPET_SOURCE_CHARS,
    SearchEntry,
    _LunrJsPorterStemmer,
    build_data,
    build_index,
    index_document,
    normalise_space,
    result_view,
    short_refs,
    snippet_source,
    stem_word,
    trim_word,
)


def entry(paper_id: str, **fields: Any) -> SearchEntry:
    """A search entry with dull defaults."""
    values: dict[str, Any] = {
        "id": paper_id,
        "url": f"papers/{paper_id}/",
        "title": "Untitled",
        "topics": (),
        "authors": (),
        "abstract": "",
        "year": None,
    }
    values.update(fields)
    return SearchEntry(**values)


ENTRIES = (
    entry(
        "graphs",
        title="Graph neural networks: a survey",
        topics=("Graph learning", "Surveys"),
        authors=("Wei Zhang", "Ana Sousa"),
        abstract="We review message passing, key applications and benchmarks (e.g., OGB).",
        year=2020,
    ),
    entry(
        "spiking",
        title="Deploying spiking networks on neuromorphic chips",
        topics=("Spiking neural networks",),
        authors=("Priya Raman",),
        abstract="Spiking networks always promise efficient inference; we deploy them on Loihi.",
        year=2022,
    ),
    entry("bare", title="Lightweight convolutional networks", abstract="Depthwise convolutions."),
)


def refs(entries: tuple[SearchEntry, ...], query: str) -> list[str]:
    """The ids of the entries a query finds, best first."""
    ids = sorted(e.id for e in entries)
    return [ids[int(hit["ref"], 36)] for hit in build_index(entries).search(query)]


def full_index(entries: tuple[SearchEntry, ...]) -> dict[str, Any]:
    """The whole index as the fast builder serializes it (the shards are cut from it)."""
    return serialize(build_data(entries))


# ---------------------------------------------------------------- the stemmer and trimmer

LUNR_JS_STEMS = {
    # lunr.js 2.3.9 keeps a final y after a vowel; stock lunr.py turns it into i.
    "survey": "survey",
    "surveys": "survey",
    "key": "key",
    "keys": "key",
    "deploy": "deploy",
    "employ": "employ",
    "always": "alway",
    "today": "today",
    # ... and turns a final y into i after a consonant even without a vowel before it.
    "try": "tri",
    "cry": "cri",
    "by": "by",
    "say": "say",
    "happy": "happi",
    "networks": "network",
    "attention": "attent",
}


@pytest.mark.parametrize(("word", "stem"), sorted(LUNR_JS_STEMS.items()))
def test_stem_word_matches_lunr_js(word: str, stem: str) -> None:
    assert stem_word(word) == stem


@pytest.mark.parametrize("word", ["survey", "key", "deploy", "employ", "always", "try"])
def test_stock_lunr_py_stems_these_words_differently(word: str) -> None:
    assert porter_stemmer.stem(word) != stem_word(word)


@given(st.text(alphabet="abcdeiklmnorstuyz", max_size=12))
def test_the_stem_cache_changes_nothing(word: str) -> None:
    assert stem_word(word) == _LunrJsPorterStemmer().stem(word)


@pytest.mark.parametrize(
    ("word", "trimmed"),
    [
        ("attention?", "attention"),
        ("(attention)", "attention"),
        ("(e.g.,", "e.g"),
        ('"x-former"', "x-former"),
        ("café", "caf"),  # lunr.js trims ASCII \W only: é is not a word character there
        ("naïve", "naïve"),
        ("—", ""),
        ("o(n^2)", "o(n^2"),
    ],
)
def test_trim_word_matches_lunr_js(word: str, trimmed: str) -> None:
    assert trim_word(word) == trimmed


def test_the_serialized_search_pipeline_trims_then_stems() -> None:
    index = full_index(ENTRIES)
    assert index["pipeline"] == ["trimmer", "stemmer"]
    assert index["version"] == "2.3.9"


def test_punctuated_queries_find_what_the_bare_word_finds() -> None:
    assert refs(ENTRIES, "survey") == ["graphs"]
    for query in ("survey?", "(survey)", '"survey"', "survey,"):
        assert refs(ENTRIES, query) == ["graphs"]


def test_words_that_stock_lunr_py_would_stem_differently_are_indexed_as_lunr_js_stems() -> None:
    index = full_index(ENTRIES)
    terms = {term for term, _ in index["invertedIndex"]}
    assert {"survey", "key", "deploy", "alway", "e.g"} <= terms
    assert not {"survei", "kei", "deploi", "alwai", "(e.g.,", ""} & terms


SPACES = " \t\n\r\f\v\x1c\x1f\x85\xa0\u2009\u3000\ufeff\u200b"


@given(st.text(alphabet="ab-é" + SPACES, max_size=12))
def test_normalise_space_collapses_python_and_javascript_whitespace(text: str) -> None:
    """The shortcut for text that is already single-spaced changes nothing."""
    assert normalise_space(text) == " ".join(text.replace("\ufeff", " ").split())


# ---------------------------------------------------------------- fields and boosts


def test_every_document_has_every_field() -> None:
    index = full_index(ENTRIES)
    assert index["fields"] == list(FIELD_BOOSTS)
    vectors = {ref for ref, _ in index["fieldVectors"]}
    assert vectors == {f"{field}/{ref}" for field in FIELD_BOOSTS for ref in "012"}


def test_index_document_joins_lists_into_strings() -> None:
    doc = index_document(ENTRIES[0], "7")
    assert doc == {
        "ref": "7",
        "title": "Graph neural networks: a survey",
        "topics": "Graph learning; Surveys",
        "authors": "Wei Zhang; Ana Sousa",
        "abstract": ENTRIES[0].abstract,
    }
    assert set(index_document(ENTRIES[2], "8").values()) >= {""}


def test_a_title_hit_ranks_above_an_abstract_only_hit() -> None:
    entries = (
        entry("in-abstract", title="Learning on chips", abstract="A study of transformers."),
        entry("in-title", title="Transformers", abstract="A study of learning on chips."),
    )
    assert refs(entries, "transformers") == ["in-title", "in-abstract"]


@pytest.mark.parametrize("field", ["topics", "authors"])
def test_a_topic_or_author_hit_ranks_above_an_abstract_only_hit(field: str) -> None:
    entries = (
        entry("in-abstract", abstract="Notes by Hinton on capsules."),
        entry("in-field", abstract="Notes on capsules.", **{field: ("Hinton",)}),
    )
    assert refs(entries, "hinton") == ["in-field", "in-abstract"]


def test_field_queries_search_one_field() -> None:
    assert refs(ENTRIES, "title:spiking") == ["spiking"]
    assert refs(ENTRIES, "authors:zhang") == ["graphs"]
    assert refs(ENTRIES, "title:benchmarks") == []


def test_unicode_spaces_separate_words_as_in_javascript() -> None:
    entries = (entry("thin", abstract="message\u2009passing\ufeffnetworks"),)
    assert refs(entries, "passing") == ["thin"]


def test_the_fast_builder_builds_the_index_lunr_py_builds() -> None:
    """lunr.py's own Builder, with our pipeline, is the reference."""
    entries = (*ENTRIES, entry("cafe", title="Café “naïve” 日本語 — x-former (e.g.,"))
    expected = build_index(entries).serialize()
    assert json.dumps(full_index(entries), sort_keys=True) == json.dumps(expected, sort_keys=True)


# ---------------------------------------------------------------- output files


def files_json(files: dict[str, bytes]) -> dict[str, Any]:
    """Every search file, parsed, by path."""
    return {path: json.loads(data) for path, data in files.items()}


def manifest_of(files: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(files[MANIFEST_PATH])


def shards_of(files: dict[str, bytes], tier: int) -> dict[str, dict[str, Any]]:
    """A tier's shards, parsed, by key."""
    shards = manifest_of(files)["tiers"][tier]["shards"]
    return {key: json.loads(files["search/" + name]) for key, name in shards.items()}


def test_the_files_are_a_manifest_shards_and_document_chunks() -> None:
    files = build_search_files(ENTRIES)
    names = sorted(path.split("/")[1][:2] for path in files if path != MANIFEST_PATH)
    assert MANIFEST_PATH in files and all(path.startswith("search/") for path in files)
    assert set(names) == {"t-", "a-", "d-", "s-"}


def test_the_manifest_and_the_docs_chunks_name_every_file_and_nothing_else() -> None:
    files = build_search_files(ENTRIES)
    manifest = manifest_of(files)
    assert manifest["version"] == 2 and manifest["lunr"] == "2.3.9"
    assert manifest["pipeline"] == ["trimmer", "stemmer"]
    assert manifest["documents"] == 3
    tiers = manifest["tiers"]
    assert [(t["name"], t["fields"], t["keyLength"]) for t in tiers] == [
        ("title", ["title", "topics", "authors"], 1),
        ("abstract", ["abstract"], 2),
    ]
    named = [name for t in tiers for name in t["shards"].values()] + manifest["docs"]["files"]
    named += [json.loads(files[f"search/{name}"])["snippets"] for name in manifest["docs"]["files"]]
    assert sorted(f"search/{name}" for name in named) == sorted(set(files) - {MANIFEST_PATH})
    assert manifest["docs"]["chunk"] == DOCS_CHUNK


def test_files_are_named_by_their_content() -> None:
    for path, data in build_search_files(ENTRIES).items():
        if path != MANIFEST_PATH:
            digest = hashlib.sha256(data).hexdigest()[:12]
            assert path == f"search/{path[7]}-{digest}.json"


@pytest.mark.parametrize("tier", [0, 1])
def test_every_term_is_in_exactly_one_shard_the_one_its_key_names(tier: int) -> None:
    files = build_search_files(ENTRIES)
    fields = TIERS[tier].fields
    full = full_index(ENTRIES)
    expected = {t for t, p in full["invertedIndex"] if any(p[f] for f in fields)}
    seen: list[str] = []
    for key, shard in shards_of(files, tier).items():
        terms = [term for term, _ in shard["invertedIndex"]]
        assert all(term[: TIERS[tier].key_length] == key for term in terms)
        seen += terms
    assert sorted(seen) == sorted(expected)


def full_weights(index: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(field/ref, term) -> weight, from a serialized index."""
    terms = {posting["_index"]: term for term, posting in index["invertedIndex"]}
    return {
        (ref, terms[int(pairs[i])]): pairs[i + 1]
        for ref, pairs in index["fieldVectors"]
        for i in range(0, len(pairs), 2)
    }


@pytest.mark.parametrize("tier", [0, 1])
def test_shard_weights_are_the_full_index_weights(tier: int) -> None:
    files = build_search_files(ENTRIES)
    full = full_weights(full_index(ENTRIES))
    fields = TIERS[tier].fields
    in_tier = {k: w for k, w in full.items() if k[0].split("/")[0] in fields}
    cut: dict[tuple[str, str], float] = {}
    for shard in shards_of(files, tier).values():
        assert shard["fields"] == list(fields)
        assert shard["pipeline"] == ["trimmer", "stemmer"] and shard["version"] == "2.3.9"
        cut.update(full_weights(shard))
    assert cut == in_tier


def test_big_shards_are_split_and_every_term_keeps_one_shard() -> None:
    tiny = (
        Tier("title", ("title", "topics", "authors"), 1, 1, "t"),
        Tier("abstract", ("abstract",), 2, 1, "a"),
    )
    files = build_search_files(ENTRIES, tiny)
    full = full_weights(full_index(ENTRIES))
    for tier in (0, 1):
        shards = shards_of(files, tier)
        assert any(len(key) > tiny[tier].key_length for key in shards)
        cut: dict[tuple[str, str], float] = {}
        for key, shard in shards.items():
            for term, _ in shard["invertedIndex"]:
                longest = max((k for k in shards if term.startswith(k)), key=len)
                assert longest == key
            cut.update(full_weights(shard))
        assert cut == {k: w for k, w in full.items() if k[0].split("/")[0] in tiny[tier].fields}


def chunks(files: dict[str, bytes]) -> list[list[dict[str, Any]]]:
    """The documents of each docs chunk."""
    return [chunk["docs"] for chunk in docs_chunks(files)]


def docs_chunks(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(files["search/" + name]) for name in manifest_of(files)["docs"]["files"]]


def snippets(files: dict[str, bytes]) -> list[list[str]]:
    """The snippet sources of each docs chunk, from the file it names."""
    return [json.loads(files["search/" + chunk["snippets"]]) for chunk in docs_chunks(files)]


def test_document_chunks_hold_every_ref_once_in_order() -> None:
    entries = tuple(
        entry(f"p{n:03d}", title=f"Paper {n}", abstract=f"Abstract {n}.")
        for n in range(2 * DOCS_CHUNK + 3)
    )
    files = build_search_files(entries)
    parts, texts = chunks(files), snippets(files)
    assert [len(part) for part in parts] == [len(t) for t in texts] == [DOCS_CHUNK, DOCS_CHUNK, 3]
    flat = [doc for part in parts for doc in part]
    assert flat == [result_view(e) for e in sorted(entries, key=lambda e: e.id)]
    for number, ref in enumerate(short_refs(len(entries))):
        position = int(ref, 36)
        assert parts[position // DOCS_CHUNK][position % DOCS_CHUNK]["title"] == f"Paper {number}"
        assert texts[position // DOCS_CHUNK][position % DOCS_CHUNK] == f"Abstract {number}."


def test_docs_hold_what_a_result_shows_and_name_its_snippet_sources() -> None:
    files = build_search_files(ENTRIES)
    flat = [doc for part in chunks(files) for doc in part]
    assert [doc["url"] for doc in flat] == ["papers/bare/", "papers/graphs/", "papers/spiking/"]
    assert flat[1] == {
        "title": "Graph neural networks: a survey",
        "url": "papers/graphs/",
        "topics": ["Graph learning", "Surveys"],
        "year": 2020,
    }
    ordered = sorted(ENTRIES, key=lambda e: e.id)
    assert snippets(files) == [[snippet_source(e.abstract) for e in ordered]]
    assert snippets(build_search_files((entry("none", abstract=""),))) == [[""]]


def test_the_abstracts_are_not_in_the_docs_chunks() -> None:
    """A result is shown from a small file; the snippet sources (most bytes) come after."""
    abstract = "Quasars " * 30
    files = build_search_files((entry("q", title="Quasar", abstract=abstract),))
    (chunk,) = docs_chunks(files)
    assert "Quasars" not in json.dumps(chunk) and "Quasars" in json.dumps(snippets(files))


def test_long_abstracts_are_cut_at_a_word_for_snippets() -> None:
    abstract = " ".join(["word"] * 400)
    cut = snippet_source(abstract)
    assert len(cut) <= SNIPPET_SOURCE_CHARS + 2
    assert cut.endswith("word …")
    assert snippet_source("  short\n  text ") == "short text"


def test_two_builds_are_byte_identical_whatever_the_input_order() -> None:
    shuffled = list(ENTRIES)
    random.Random(4).shuffle(shuffled)
    assert build_search_files(ENTRIES) == build_search_files(tuple(shuffled))


def test_the_json_is_compact_sorted_and_utf8() -> None:
    files = build_search_files((entry("cafe", title="Café “naïve” 日本語"),))
    for path, data in files.items():
        text = data.decode("utf-8")
        assert text == json.dumps(
            json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ), path
    assert any("Café “naïve” 日本語" in data.decode("utf-8") for data in files.values())


def test_each_build_starts_from_a_fresh_builder() -> None:
    build_index(ENTRIES)
    assert refs((ENTRIES[2],), "spiking") == []
    build_search_files(ENTRIES)
    assert manifest_of(build_search_files((ENTRIES[2],)))["documents"] == 1


def test_refs_are_short_base36_positions_in_id_order() -> None:
    assert short_refs(38) == [*"0123456789abcdefghijklmnopqrstuvwxyz", "10", "11"]


def test_two_entries_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="graphs"):
        build_search_files((ENTRIES[0], replace(ENTRIES[1], id="graphs")))


def test_an_empty_corpus_builds() -> None:
    files = build_search_files(())
    manifest = manifest_of(files)
    assert list(files) == [MANIFEST_PATH]
    assert manifest["documents"] == 0 and manifest["docs"]["files"] == []
    assert [tier["shards"] for tier in manifest["tiers"]] == [{}, {}]
