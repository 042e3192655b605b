"""The fast Lunr builder writes exactly the index lunr.py writes; slices keep the weights."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lunr.builder import Builder

from surveysite import lunr_builder

FIELDS = [lunr_builder.FieldSpec("title", 10), lunr_builder.FieldSpec("body", 1)]
REPO = Path(__file__).resolve().parent.parent


def reference(documents: list[tuple[str, dict[str, str]]]) -> dict:
    """lunr.py's serialized index with lunr's default pipeline functions."""
    from lunr.stemmer import stemmer
    from lunr.stop_word_filter import stop_word_filter
    from lunr.trimmer import trimmer

    builder = Builder()
    builder.pipeline.add(trimmer, stop_word_filter, stemmer)
    builder.search_pipeline.add(stemmer)
    builder.ref("ref")
    for spec in FIELDS:
        builder.field(spec.name, boost=spec.boost)
    for ref, values in documents:
        builder.add({"ref": ref, **values})
    return builder.build().serialize()


def term_of(word: str) -> str | None:
    """lunr.py's default pipeline (trimmer, stop words, stemmer) on one word."""
    from lunr.stemmer import stemmer
    from lunr.stop_word_filter import stop_word_filter
    from lunr.token import Token
    from lunr.trimmer import trimmer

    token = trimmer(Token(word))
    token = stop_word_filter(token) if token and str(token) else None
    return str(stemmer(token)) if token else None


def fast(documents) -> dict:
    """Our builder's serialized index."""
    return lunr_builder.serialize(lunr_builder.build(documents, FIELDS, term_of, ["stemmer"]))


def canonical(index: dict) -> str:
    return json.dumps(index, sort_keys=True)


@functools.cache
def real_documents() -> list[tuple[str, dict[str, str]]]:
    import yaml

    documents = []
    for number, path in enumerate(sorted((REPO / "content" / "papers").glob("*.yaml"))):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        documents.append((str(number), {"title": record["title"], "body": record["abstract"]}))
    return documents


def test_same_index_as_lunr_py_on_the_real_survey():
    documents = real_documents()
    assert canonical(fast(documents)) == canonical(reference(documents))


words = st.sampled_from(
    [
        "network",
        "networks",
        "the",
        "survey",
        "spiking",
        "a-b",
        "(attention)",
        "é",
        "—",
        "x",
        "deep",
        "",
    ]
)
texts = st.lists(words, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=8))
def test_same_index_as_lunr_py_on_random_corpora(pairs):
    documents = [(str(i), {"title": t, "body": b}) for i, (t, b) in enumerate(pairs)]
    if not any(term_of(w) for t, b in pairs for w in lunr_builder.tokenize(f"{t} {b}")):
        return  # lunr.py cannot average an empty corpus
    try:
        expected = canonical(reference(documents))
    except ZeroDivisionError:
        return  # lunr.py divides by zero when a field has no terms in any document
    assert canonical(fast(documents)) == expected


def test_restrict_keeps_weights_and_renumbers_terms():
    documents = real_documents()[:40]
    data = lunr_builder.build(documents, FIELDS, term_of, ["stemmer"])
    s_terms = [t for t in data.postings if t.startswith("s")]
    shard = lunr_builder.restrict(data, ["title"], s_terms)
    assert [f.name for f in shard.fields] == ["title"]
    assert sorted(shard.term_order.values()) == list(range(len(shard.term_order)))
    full = {(name, ref): dict(elements) for name, ref, elements in data.vectors}
    for name, ref, elements in shard.vectors:
        for index, weight in elements:
            term = next(t for t, i in shard.term_order.items() if i == index)
            assert full[(name, ref)][data.term_order[term]] == weight


def test_partition_equals_restrict():
    documents = real_documents()[:60]
    data = lunr_builder.build(documents, FIELDS, term_of, ["stemmer"])
    shards = lunr_builder.partition(data, ["body"], lambda term: term[:1])
    for key, shard in shards.items():
        terms = [t for t in data.postings if t[:1] == key]
        assert canonical(lunr_builder.serialize(shard)) == canonical(
            lunr_builder.serialize(lunr_builder.restrict(data, ["body"], terms))
        )


def json_text(index: dict) -> str:
    """The JSON the search files are written as."""
    return json.dumps(index, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_dumps_writes_the_json_of_serialize_on_the_real_survey():
    data = lunr_builder.build(real_documents(), FIELDS, term_of, ["stemmer"])
    assert lunr_builder.dumps(data) == json_text(lunr_builder.serialize(data))
    for shard in lunr_builder.partition(data, ["title"], lambda term: term[:1]).values():
        assert lunr_builder.dumps(shard) == json_text(lunr_builder.serialize(shard))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=8))
def test_dumps_writes_the_json_of_serialize_on_random_corpora(pairs):
    documents = [(str(i * 7), {"title": t, "body": b}) for i, (t, b) in enumerate(pairs)]
    data = lunr_builder.build(documents, FIELDS, term_of, ["stemmer"])
    assert lunr_builder.dumps(data) == json_text(lunr_builder.serialize(data))


def longest_key(keys: set[str], term: str) -> str | None:
    """The longest of the keys that begins the term."""
    return max((key for key in keys if term.startswith(key)), key=len, default=None)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=3))
def test_shard_keys_split_big_shards_and_keep_longest_prefix_routing(budget, length):
    data = lunr_builder.build(real_documents()[:80], FIELDS, term_of, ["stemmer"])
    keys = lunr_builder.shard_keys(data, ["body"], length, budget)
    in_body = {t for t, posting in data.postings.items() if posting["body"]}
    assert set(keys) == in_body
    all_keys = set(keys.values())
    sizes: dict[str, int] = {}
    for term, key in keys.items():
        assert term.startswith(key) and key.startswith(term[:length])
        assert longest_key(all_keys, term) == key
        sizes[key] = sizes.get(key, 0) + len(data.postings[term]["body"])
    for key, size in sizes.items():
        terms = [t for t, k in keys.items() if k == key]
        assert size <= budget or len(terms) == 1  # a shard of one term cannot be split


def test_shard_keys_without_a_budget_are_the_first_characters():
    data = lunr_builder.build(real_documents()[:80], FIELDS, term_of, ["stemmer"])
    keys = lunr_builder.shard_keys(data, ["title", "body"], 2, 10**9)
    assert keys == {term: term[:2] for term in data.postings}


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.sampled_from([["title"], ["body"], ["title", "body"]]),
)
def test_shard_texts_are_the_dumps_of_the_partition(budget, fields):
    data = lunr_builder.build(real_documents()[:60], FIELDS, term_of, ["stemmer"])
    keys = lunr_builder.shard_keys(data, fields, 1, budget)
    shards = lunr_builder.partition(data, fields, keys.__getitem__)
    texts = lunr_builder.shard_texts(data, fields, keys.__getitem__)
    assert texts == {key: lunr_builder.dumps(shard) for key, shard in shards.items()}
