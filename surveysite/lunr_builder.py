"""A fast builder of Lunr indexes, byte-for-byte the index lunr.py builds.

lunr.py spends most of its time per token (a per-character tokenizer, a pipeline of
Token objects, Vector inserts): about 3 ms per abstract, 30 s for 10,000 papers. This builder
does the same arithmetic on plain strings and counters: every word is mapped to its index
term once (the pipeline is a pure function of the word), and BM25 weights are computed with
lunr.py's exact formula and rounding. `tests/test_lunr_builder.py` checks that the
serialized output equals lunr.py's for the real survey and for random corpora.

It also slices the result: `restrict` keeps some fields and some terms of an index, with
the weights unchanged, so one index can be split into small shards that stock lunr.js
2.3.9 loads independently.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

LUNR_VERSION = "2.3.9"
K1, B = 1.2, 0.75
SEPARATORS = re.compile(r"[ \t\n\r\f\v\xa0-]+")  # lunr's default tokenizer separators


@dataclass(frozen=True)
class FieldSpec:
    """An indexed field and its boost."""

    name: str
    boost: float = 1


@dataclass
class LunrData:
    """An index before serialization: terms in first-seen order, per-field postings, vectors."""

    fields: tuple[FieldSpec, ...]
    term_order: dict[str, int]  # term -> _index
    postings: dict[str, dict[str, list[str]]]  # term -> field -> doc refs
    vectors: list[tuple[str, str, list[tuple[int, float]]]]  # (field, ref, [(term index, weight)])
    pipeline: tuple[str, ...]


def tokenize(text: str) -> list[str]:
    """lunr's tokenizer: lower-case, split on whitespace and hyphens."""
    return [word for word in SEPARATORS.split(text.lower()) if word]


def build(
    documents: Iterable[tuple[str, dict[str, str]]],
    fields: Sequence[FieldSpec],
    term_of: Callable[[str], str | None],
    pipeline: Sequence[str],
) -> LunrData:
    """Index (ref, {field: text}) documents; `term_of(word)` is the index pipeline (None drops)."""
    term_order: dict[str, int] = {}
    postings: dict[str, dict[str, list[str]]] = {}
    frequencies: list[tuple[str, str, Counter, int]] = []
    cache: dict[str, str | None] = {}
    for ref, values in documents:
        for spec in fields:
            terms = []
            for word in tokenize(values.get(spec.name) or ""):
                term = cache[word] if word in cache else cache.setdefault(word, term_of(word))
                if term is not None:
                    terms.append(term)
            counts = Counter(terms)
            for term in counts:
                if term not in term_order:
                    term_order[term] = len(term_order)
                    postings[term] = {f.name: [] for f in fields}
                postings[term][spec.name].append(ref)
            frequencies.append((spec.name, ref, counts, len(terms)))
    return LunrData(
        tuple(fields),
        term_order,
        postings,
        weigh(frequencies, fields, postings, term_order),
        tuple(pipeline),
    )


def weigh(frequencies, fields: Sequence[FieldSpec], postings, term_order) -> list:
    """BM25 weights per field vector, with lunr.py's formula, idf and rounding."""
    document_count = len({ref for _, ref, _, _ in frequencies})
    lengths: dict[str, list[int]] = {f.name: [] for f in fields}
    for name, _, _, length in frequencies:
        lengths[name].append(length)
    average = {name: sum(values) / len(values) for name, values in lengths.items() if values}
    boosts = {f.name: f.boost for f in fields}
    idf_cache: dict[str, float] = {}
    vectors = []
    for name, ref, counts, length in frequencies:
        norm = K1 * (1 - B + B * (length / average[name])) if counts else 0.0
        elements = []
        for term, tf in counts.items():
            idf = idf_cache.get(term)
            if idf is None:
                with_term = sum(len(refs) for refs in postings[term].values())
                x = (document_count - with_term + 0.5) / (with_term + 0.5)
                idf = idf_cache[term] = math.log(1 + abs(x))
            score = idf * ((K1 + 1) * tf) / (norm + tf)
            elements.append((term_order[term], round(score * boosts[name] * 1, 3)))
        elements.sort()
        vectors.append((name, ref, elements))
    return vectors


def restrict(data: LunrData, field_names: Iterable[str], terms: Iterable[str]) -> LunrData:
    """The index limited to some fields and terms, weights unchanged, terms renumbered."""
    keep_fields = tuple(f for f in data.fields if f.name in set(field_names))
    names = {f.name for f in keep_fields}
    kept = sorted(
        (t for t in terms if any(data.postings[t][n] for n in names)),
        key=data.term_order.__getitem__,
    )
    new_index = {data.term_order[t]: i for i, t in enumerate(kept)}
    vectors = []
    for name, ref, elements in data.vectors:
        if name in names:
            sliced = [(new_index[i], w) for i, w in elements if i in new_index]
            if sliced:
                vectors.append((name, ref, sliced))
    postings = {t: {n: data.postings[t][n] for n in names} for t in kept}
    return LunrData(
        keep_fields, {t: i for i, t in enumerate(kept)}, postings, vectors, data.pipeline
    )


def partition(
    data: LunrData, field_names: Iterable[str], key: Callable[[str], str]
) -> dict[str, LunrData]:
    """Split an index into shards by `key(term)`, for some fields, in one pass over the vectors."""
    names = set(field_names)
    keep_fields = tuple(f for f in data.fields if f.name in names)
    groups: dict[str, list[str]] = {}
    for term in sorted(data.postings, key=data.term_order.__getitem__):
        if any(data.postings[term][n] for n in names):
            groups.setdefault(key(term), []).append(term)
    local = {}  # global term index -> (shard key, shard-local index)
    for shard, terms in groups.items():
        for number, term in enumerate(terms):
            local[data.term_order[term]] = (shard, number)
    vectors: dict[str, list] = {shard: [] for shard in groups}
    for name, ref, elements in data.vectors:
        if name not in names:
            continue
        split: dict[str, list[tuple[int, float]]] = {}
        for index, weight in elements:
            shard, number = local[index]
            split.setdefault(shard, []).append((number, weight))
        for shard, sliced in split.items():
            vectors[shard].append((name, ref, sliced))
    return {
        shard: LunrData(
            keep_fields,
            {t: i for i, t in enumerate(terms)},
            {t: {n: data.postings[t][n] for n in names} for t in terms},
            vectors[shard],
            data.pipeline,
        )
        for shard, terms in groups.items()
    }


def serialize(data: LunrData) -> dict[str, Any]:
    """The index as lunr.js 2.3.9 (and lunr.py's Index.serialize) write it."""
    inverted = []
    for term in sorted(data.postings):
        posting: dict[str, Any] = {
            name: {ref: {} for ref in refs} for name, refs in data.postings[term].items()
        }
        posting["_index"] = data.term_order[term]
        inverted.append([term, posting])
    return {
        "version": LUNR_VERSION,
        "fields": [f.name for f in data.fields],
        "fieldVectors": [
            [f"{name}/{ref}", [x for pair in elements for x in pair]]
            for name, ref, elements in data.vectors
        ],
        "invertedIndex": inverted,
        "pipeline": list(data.pipeline),
    }
