"""Unit tests of the search files: fields, boosts, determinism, and the lunr.js-compatible pipeline."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunr.stemmer import porter_stemmer

from surveysite.search_index import (
    DOCS_PATH,
    FIELD_BOOSTS,
    INDEX_PATH,
    SNIPPET_SOURCE_CHARS,
    SearchEntry,
    _LunrJsPorterStemmer,
    build_index,
    build_search_files,
    index_document,
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


def files_json(entries: tuple[SearchEntry, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    files = build_search_files(entries)
    return json.loads(files[INDEX_PATH]), json.loads(files[DOCS_PATH])


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
    index, _ = files_json(ENTRIES)
    assert index["pipeline"] == ["trimmer", "stemmer"]
    assert index["version"] == "2.3.9"


def test_punctuated_queries_find_what_the_bare_word_finds() -> None:
    assert refs(ENTRIES, "survey") == ["graphs"]
    for query in ("survey?", "(survey)", '"survey"', "survey,"):
        assert refs(ENTRIES, query) == ["graphs"]


def test_words_that_stock_lunr_py_would_stem_differently_are_indexed_as_lunr_js_stems() -> None:
    index, _ = files_json(ENTRIES)
    terms = {term for term, _ in index["invertedIndex"]}
    assert {"survey", "key", "deploy", "alway", "e.g"} <= terms
    assert not {"survei", "kei", "deploi", "alwai", "(e.g.,", ""} & terms


# ---------------------------------------------------------------- fields and boosts


def test_every_document_has_every_field() -> None:
    index, _ = files_json(ENTRIES)
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


# ---------------------------------------------------------------- output files


def test_the_files_are_the_index_and_the_result_documents() -> None:
    assert sorted(build_search_files(ENTRIES)) == [DOCS_PATH, INDEX_PATH]


def test_docs_hold_what_a_result_shows() -> None:
    _, docs = files_json(ENTRIES)
    assert sorted(docs) == ["0", "1", "2"]  # bare, graphs, spiking
    assert docs["1"] == {
        "title": "Graph neural networks: a survey",
        "url": "papers/graphs/",
        "topics": ["Graph learning", "Surveys"],
        "year": 2020,
        "abstract": ENTRIES[0].abstract,
    }


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
    text = files[DOCS_PATH].decode("utf-8")
    assert text == json.dumps(
        json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "Café “naïve” 日本語" in text


def test_each_build_starts_from_a_fresh_builder() -> None:
    build_index(ENTRIES)
    assert refs((ENTRIES[2],), "spiking") == []


def test_refs_are_short_base36_positions_in_id_order() -> None:
    assert short_refs(38) == [*"0123456789abcdefghijklmnopqrstuvwxyz", "10", "11"]


def test_two_entries_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="graphs"):
        build_search_files((ENTRIES[0], replace(ENTRIES[1], id="graphs")))


def test_an_empty_corpus_builds() -> None:
    index, docs = files_json(())
    assert docs == {}
    assert index["invertedIndex"] == []
