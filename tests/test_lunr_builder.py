"""The fast Lunr builder writes exactly the index lunr.py writes; slices keep the weights."""

from __future__ import annotations

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
