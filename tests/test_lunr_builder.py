"""The fast Lunr builder writes exactly the index lunr.py writes; slices keep the weights."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
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


@given(st.text(alphabet="aB-é\u2009\x1c" + lunr_builder.SEPARATORS, max_size=16))
def test_tokenize_splits_as_lunr_py(text):
    from lunr.tokenizer import Tokenizer

    assert lunr_builder.tokenize(text) == [str(token) for token in Tokenizer(text)]


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from([0.0, 1e-12, -1e-12, 0.5]))
def test_weights_are_rounded_as_python_rounds(thousandths, offset):
    """Near and at halves too (0.0625 is exactly 62.5 thousandths)."""
    value = np.array([(thousandths + offset) / 1000, 0.0625, 1.0005])
    expected = [round(round(float(v), 3) * 1000) for v in value]
    assert lunr_builder._thousandths(value).tolist() == expected


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


def test_counting_and_weighing_a_few_words_at_a_time_changes_nothing(monkeypatch):
    documents = real_documents()[:50]
    whole = canonical(fast(documents))
    monkeypatch.setattr(lunr_builder, "WORDS_AT_ONCE", 7)
    monkeypatch.setattr(lunr_builder, "ROWS_AT_ONCE", 5)
    assert canonical(fast(documents)) == whole


def restricted(index: dict, fields: list[str], terms: set[str]) -> dict:
    """A serialized index cut to some fields and terms, terms renumbered in their old order."""
    kept = sorted(
        (posting["_index"], term)
        for term, posting in index["invertedIndex"]
        if term in terms and any(posting[field] for field in fields)
    )
    numbers = {old: new for new, (old, _) in enumerate(kept)}
    vectors = []
    for field_ref, elements in index["fieldVectors"]:
        pairs = [
            [numbers[elements[i]], elements[i + 1]]
            for i in range(0, len(elements), 2)
            if elements[i] in numbers
        ]
        if field_ref.split("/")[0] in fields and pairs:
            vectors.append([field_ref, [x for pair in pairs for x in pair]])
    postings = dict(index["invertedIndex"])
    inverted = [
        [
            term,
            {"_index": numbers[postings[term]["_index"]], **{f: postings[term][f] for f in fields}},
        ]
        for term in sorted(term for _, term in kept)
    ]
    return {**index, "fields": fields, "fieldVectors": vectors, "invertedIndex": inverted}


def test_partition_is_the_full_index_cut_to_each_key():
    documents = real_documents()[:60]
    data = lunr_builder.build(documents, FIELDS, term_of, ["stemmer"])
    full = lunr_builder.serialize(data)
    for fields in (["body"], ["title"], ["title", "body"]):
        shards = lunr_builder.partition(data, fields, lambda term: term[:1])
        in_fields = {t for t, posting in full["invertedIndex"] if any(posting[f] for f in fields)}
        assert set(shards) == {term[:1] for term in in_fields}
        for key, shard in shards.items():
            terms = {t for t in data.terms if t[:1] == key}
            assert canonical(lunr_builder.serialize(shard)) == canonical(
                restricted(full, fields, terms)
            )


def postings(data: lunr_builder.LunrData, field: str) -> dict[str, int]:
    """Term -> how many documents have it in the field."""
    return {
        term: len(posting[field])
        for term, posting in lunr_builder.serialize(data)["invertedIndex"]
        if posting[field]
    }


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
    in_body = postings(data, "body")
    assert set(keys) == set(in_body)
    all_keys = set(keys.values())
    sizes: dict[str, int] = {}
    for term, key in keys.items():
        assert term.startswith(key) and key.startswith(term[:length])
        assert longest_key(all_keys, term) == key
        sizes[key] = sizes.get(key, 0) + in_body[term]
    for key, size in sizes.items():
        terms = [t for t, k in keys.items() if k == key]
        assert size <= budget or len(terms) == 1  # a shard of one term cannot be split


def test_shard_keys_without_a_budget_are_the_first_characters():
    data = lunr_builder.build(real_documents()[:80], FIELDS, term_of, ["stemmer"])
    keys = lunr_builder.shard_keys(data, ["title", "body"], 2, 10**9)
    assert keys == {term: term[:2] for term in data.terms}


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.sampled_from([["title"], ["body"], ["title", "body"]]),
)
def test_shard_texts_are_the_dumps_of_the_partition(budget, fields):
    data = lunr_builder.build(real_documents()[:60], FIELDS, term_of, ["stemmer"])
    keys = lunr_builder.shard_keys(data, fields, 1, budget)
    shards = lunr_builder.partition(data, fields, keys.__getitem__)
    texts = dict(lunr_builder.shard_texts(data, fields, keys.__getitem__))
    assert texts == {key: lunr_builder.dumps(shard) for key, shard in shards.items()}
