"""A fast builder of Lunr indexes, byte-for-byte the index lunr.py builds.

lunr.py spends most of its time per token (a per-character tokenizer, a pipeline of
Token objects, Vector inserts): about 3 ms per abstract, 30 s for 10,000 papers. This builder
maps every distinct word to its index term once (the pipeline is a pure function of the
word) and keeps the index as flat numpy arrays, one row per posting (a term in a field of a
document): terms are counted by sorting, BM25 weights computed for all rows at once with
lunr.py's formula, operation for operation, and its rounding, and shards cut by sorting
rows by shard. The JSON of a shard is joined from arrays of ready-made pieces of text (a
vector's `["abstract/7",[`, a term number, a weight, a posting's `"7":{}`). About 0.6 s
for the index of 10,000 papers and 0.5 s for its shards; memory is a few bytes per
posting. `tests/test_lunr_builder.py` checks that the serialized output equals lunr.py's for
the real survey and for random corpora.

It slices the index into shards that stock lunr.js 2.3.9 loads independently, with the
weights unchanged: `partition` splits the terms of some fields by a key, `shard_keys`
chooses keys (first characters, more for big shards), and `shard_texts` writes the JSON of
every shard of a partition, one at a time. `dumps` writes an index as JSON text directly:
the same text as ``json.dumps(serialize(data), sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

LUNR_VERSION = "2.3.9"
K1, B = 1.2, 0.75
SEPARATORS = " \t\n\r\f\v\xa0-"  # lunr's default tokenizer splits words at these
DROPPED = -1  # the term number of a word the index pipeline drops
WORDS_AT_ONCE = 1 << 20  # words counted at once
ROWS_AT_ONCE = 1 << 18  # rows weighed at once


@dataclass(frozen=True)
class FieldSpec:
    """An indexed field and its boost."""

    name: str
    boost: float = 1


@dataclass
class LunrData:
    """An index before serialization, as arrays of field vectors and of their rows.

    Field vector v is field `fields[vector_field[v]]` of document `refs[vector_doc[v]]`; its
    rows are starts[v]:starts[v + 1], in term order. A row is one posting: the term's number
    (`terms[number]`, lunr's `_index`) and its weight in thousandths (lunr rounds weights to
    three decimals, so the integer is exact).
    """

    fields: tuple[FieldSpec, ...]
    refs: list[str]
    terms: list[str]  # in first-seen order
    vector_field: np.ndarray
    vector_doc: np.ndarray
    starts: np.ndarray  # one more than there are vectors
    term_numbers: np.ndarray  # per row
    weights: np.ndarray  # per row, thousandths
    pipeline: tuple[str, ...]

    def row_vectors(self) -> np.ndarray:
        """The vector of each row."""
        return np.repeat(np.arange(len(self.vector_doc), dtype=np.int32), np.diff(self.starts))


def tokenize(text: str) -> list[str]:
    """lunr's tokenizer: lower-case, split on whitespace and hyphens."""
    return [word for word in _words(text) if word]


def _words(text: str) -> list[str]:
    """lunr's tokens of a text, and empty strings (where separators meet); faster than a regex."""
    text = text.lower()
    for separator in SEPARATORS[1:]:
        if separator in text:
            text = text.replace(separator, " ")
    return text.split(" ")


# ---------------------------------------------------------------- building


def build(
    documents: Iterable[tuple[str, dict[str, str]]],
    fields: Sequence[FieldSpec],
    term_of: Callable[[str], str | None],
    pipeline: Sequence[str],
) -> LunrData:
    """Index (ref, {field: text}) documents; `term_of(word)` is the index pipeline (None drops).

    Every document gets a vector for every field, in document order, then field order.
    """
    terms: list[str] = []
    refs, (row_vectors, term_numbers, counts, lengths) = _count_terms(
        documents, fields, _TermNumbers(term_of, terms).__getitem__
    )
    vector_field = np.tile(np.arange(len(fields)), len(refs))
    vector_sizes = np.bincount(row_vectors, minlength=len(vector_field))
    weights = _weights(
        fields,
        vector_field,
        lengths,
        row_vectors,
        term_numbers,
        counts,
        document_count=len(set(refs)),
        term_count=len(terms),
    )
    return LunrData(
        tuple(fields),
        refs,
        terms,
        vector_field,
        np.repeat(np.arange(len(refs)), len(fields)),
        np.concatenate(([0], np.cumsum(vector_sizes))),
        term_numbers,
        weights,
        tuple(pipeline),
    )


def _count_terms(
    documents: Iterable[tuple[str, dict[str, str]]],
    fields: Sequence[FieldSpec],
    number_of: Callable[[str], int],
) -> tuple[list[str], tuple[np.ndarray, ...]]:
    """The documents' refs, and the rows of their field vectors (see `_rows`)."""
    refs: list[str] = []
    batches = []  # the rows of some documents at a time, so that arrays of words stay small
    numbers, word_counts = array("i"), array("i")  # per word; per field vector
    for ref, values in documents:
        refs.append(ref)
        for spec in fields:
            words = _words(values.get(spec.name) or "")
            numbers.extend(map(number_of, words))
            word_counts.append(len(words))
        if len(numbers) >= WORDS_AT_ONCE:
            batches.append(_rows(numbers, word_counts, len(refs) * len(fields)))
            numbers, word_counts = array("i"), array("i")
    batches.append(_rows(numbers, word_counts, len(refs) * len(fields)))
    return refs, tuple(np.concatenate(parts) for parts in zip(*batches, strict=True))


def _rows(
    numbers: array, word_counts: array, vectors_so_far: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of the last field vectors, from their words' term numbers.

    Rows are each vector's distinct terms in term order: (their vectors, term numbers, how
    often each occurs); and the vectors' lengths (words kept).
    """
    first = vectors_so_far - len(word_counts)
    vectors = np.repeat(np.arange(first, vectors_so_far, dtype=np.int64), word_counts)
    term_numbers = np.frombuffer(numbers, dtype=np.int32)
    kept = term_numbers != DROPPED
    keys = (vectors[kept] << 32) | term_numbers[kept]
    keys.sort(kind="stable")  # vectors are in order already: fast
    firsts = np.flatnonzero(np.diff(keys, prepend=-1))
    counts = np.diff(np.append(firsts, len(keys))).astype(np.int32)
    keys = keys[firsts]
    lengths = np.bincount(vectors[kept] - first, minlength=len(word_counts))
    return (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32), counts, lengths


class _TermNumbers(dict):
    """Word -> the number of its index term (terms numbered as first seen), or DROPPED."""

    def __init__(self, term_of: Callable[[str], str | None], terms: list[str]) -> None:
        super().__init__()
        self.term_of = term_of
        self.terms = terms
        self.numbers: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = self.term_of(word) if word else None
        number = DROPPED if term is None else self.numbers.setdefault(term, len(self.numbers))
        if number == len(self.terms):
            self.terms.append(term)
        self[word] = number
        return number


def _weights(
    fields: Sequence[FieldSpec],
    vector_field: np.ndarray,
    lengths: np.ndarray,
    row_vectors: np.ndarray,
    term_numbers: np.ndarray,
    counts: np.ndarray,
    document_count: int,
    term_count: int,
) -> np.ndarray:
    """BM25 weights per row in thousandths, with lunr.py's formula, idf and rounding.

    Every operation is one IEEE operation in lunr.py's order, so the floats are lunr.py's.
    Rows are weighed a chunk at a time, so temporary arrays stay small.
    """
    with_term = np.bincount(term_numbers, minlength=term_count).tolist()
    idf = np.array(
        [math.log(1 + abs((document_count - n + 0.5) / (n + 0.5))) for n in with_term],
        dtype=np.float64,
    )
    average = np.ones(len(fields))  # a field without terms anywhere has no rows to weigh
    for number in range(len(fields)):
        total = int(lengths[vector_field == number].sum())
        if total:
            average[number] = total / int(np.count_nonzero(vector_field == number))
    # lunr.py: norm = k1 * (1 - b + b * (length / average)); score = idf * ((k1 + 1) * tf) /
    # (norm + tf); weight = round(score * boost, 3)
    norm = K1 * ((1 - B) + B * (lengths / average[vector_field]))
    boost = np.array([float(f.boost) for f in fields])[vector_field]
    weights = np.empty(len(term_numbers), dtype=np.int32)
    for start in range(0, len(weights), ROWS_AT_ONCE):
        rows = slice(start, start + ROWS_AT_ONCE)
        tf = counts[rows].astype(np.float64)
        vectors = row_vectors[rows]
        score = idf[term_numbers[rows]] * ((K1 + 1) * tf) / (norm[vectors] + tf)
        weights[rows] = _thousandths(score * boost[vectors])
    return weights


def _thousandths(values: np.ndarray) -> np.ndarray:
    """`round(value, 3) * 1000` of each value, as exact integers.

    Python rounds the exact decimal value of a float, ties to even. `rint(value * 1000)`
    agrees except where value * 1000 is within rounding error of a half: those few are
    rounded by Python itself.
    """
    scaled = values * 1000
    rounded = np.rint(scaled)
    for at in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
        rounded[at] = round(round(float(values[at]), 3) * 1000)
    return rounded.astype(np.int32)


# ---------------------------------------------------------------- shards


def partition(
    data: LunrData, field_names: Iterable[str], key: Callable[[str], str]
) -> dict[str, LunrData]:
    """Split an index into shards by `key(term)`, for some fields; weights unchanged."""
    return dict(_shards(data, field_names, key))


def _shards(
    data: LunrData, field_names: Iterable[str], key: Callable[[str], str]
) -> Iterator[tuple[str, LunrData]]:
    """The shards of `partition`, one at a time (keys in the order their first term was seen).

    A shard keeps the rows of its terms in the fields, in the same order; its terms are
    numbered in the order of their numbers in `data`, so its vectors stay in term order.
    """
    names = set(field_names)
    kept = np.array([f.name in names for f in data.fields], dtype=bool)
    renumber_field = np.where(kept, np.cumsum(kept) - 1, -1)
    row_vectors = data.row_vectors()
    in_fields = kept[data.vector_field][row_vectors]
    groups = _term_groups(data, in_fields, key)
    rows, local_numbers, bounds = _rows_by_group(data, in_fields, list(groups.values()))
    vectors = row_vectors[rows]
    starts_vector = np.diff(vectors, prepend=-1) != 0
    starts_vector[bounds[:-1]] = True  # a vector cut by several shards starts in each
    numbers, weights = local_numbers[data.term_numbers[rows]], data.weights[rows]
    starts = [0, *bounds][:-1]
    for (shard_key, terms), start, end in zip(groups.items(), starts, bounds, strict=True):
        firsts = np.flatnonzero(starts_vector[start:end])
        shard_vectors = vectors[start:end][firsts]
        shard = LunrData(
            tuple(f for f in data.fields if f.name in names),
            data.refs,
            [data.terms[number] for number in terms],
            renumber_field[data.vector_field[shard_vectors]],
            data.vector_doc[shard_vectors],
            np.append(firsts, end - start),
            numbers[start:end],
            weights[start:end],
            data.pipeline,
        )
        yield shard_key, shard


def _term_groups(
    data: LunrData, in_fields: np.ndarray, key: Callable[[str], str]
) -> dict[str, list[int]]:
    """Shard key -> the numbers of its terms (those with rows `in_fields`), in order."""
    present = np.zeros(len(data.terms), dtype=bool)
    present[data.term_numbers[in_fields]] = True
    groups: dict[str, list[int]] = {}
    for number in np.flatnonzero(present).tolist():
        groups.setdefault(key(data.terms[number]), []).append(number)
    return groups


def _rows_by_group(
    data: LunrData, in_fields: np.ndarray, groups: list[list[int]]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The rows `in_fields`, group by group, each in order; each term's number in its group;
    and where each group's rows end."""
    # numpy sorts 16-bit numbers by radix, 5 times faster; rows of other fields sort last
    group_of = np.zeros(len(data.terms), dtype=np.uint16 if len(groups) < 1 << 16 else np.int32)
    local_numbers = np.zeros(len(data.terms), dtype=np.int32)
    for group, numbers in enumerate(groups):
        group_of[numbers] = group
        local_numbers[numbers] = np.arange(len(numbers))
    row_groups = np.where(in_fields, group_of[data.term_numbers], len(groups))
    bounds = np.cumsum(np.bincount(row_groups, minlength=len(groups) + 1)[:-1]).tolist()
    rows = np.argsort(row_groups, kind="stable")[: bounds[-1] if bounds else 0]
    return rows, local_numbers, bounds


def shard_keys(
    data: LunrData, field_names: Iterable[str], length: int, budget: int
) -> dict[str, str]:
    """Term -> shard key: its first `length` characters, one more while a shard is too big.

    A shard whose terms have more than `budget` postings (document refs) in the fields is
    split by the next character of its terms; a term too short to split further keeps the
    key it has. So a term's key is always the longest key that begins it.
    """
    names = set(field_names)
    in_fields = np.array([f.name in names for f in data.fields], dtype=bool)
    rows = in_fields[data.vector_field][data.row_vectors()]
    postings = np.bincount(data.term_numbers[rows], minlength=len(data.terms)).tolist()
    sizes = {term: size for term, size in zip(data.terms, postings, strict=True) if size}
    return _split(sizes, length, budget)


def _split(sizes: dict[str, int], length: int, budget: int) -> dict[str, str]:
    """Group terms by their first `length` characters; split groups over budget."""
    groups: dict[str, list[str]] = {}
    for term in sizes:
        groups.setdefault(term[:length], []).append(term)
    keys = {}
    for key, terms in groups.items():
        longer = [term for term in terms if len(term) > length]
        if longer and sum(sizes[term] for term in terms) > budget:
            keys.update((term, key) for term in terms if len(term) <= length)
            keys.update(_split({term: sizes[term] for term in longer}, length + 1, budget))
        else:
            keys.update((term, key) for term in terms)
    return keys


# ---------------------------------------------------------------- JSON


def serialize(data: LunrData) -> dict[str, Any]:
    """The index as lunr.js 2.3.9 (and lunr.py's Index.serialize) write it."""
    names = [f.name for f in data.fields]
    postings: dict[str, dict[str, Any]] = {
        term: {name: {} for name in names} for term in data.terms
    }
    numbers, weights = data.term_numbers.tolist(), data.weights.tolist()
    vectors = []
    for field, doc, start, end in zip(
        data.vector_field.tolist(),
        data.vector_doc.tolist(),
        data.starts[:-1].tolist(),
        data.starts[1:].tolist(),
        strict=True,
    ):
        name, ref = names[field], data.refs[doc]
        elements: list[float] = []
        for number, weight in zip(numbers[start:end], weights[start:end], strict=True):
            postings[data.terms[number]][name][ref] = {}
            elements += [number, weight / 1000]
        vectors.append([f"{name}/{ref}", elements])
    inverted = [
        [term, {**postings[term], "_index": number}]
        for number, term in sorted(enumerate(data.terms), key=lambda pair: pair[1])
    ]
    return {
        "version": LUNR_VERSION,
        "fields": names,
        "fieldVectors": vectors,
        "invertedIndex": inverted,
        "pipeline": list(data.pipeline),
    }


def dumps(data: LunrData, pieces: _Pieces | None = None) -> str:
    """`serialize(data)` as compact, key-sorted JSON, written directly (same text as json.dumps).

    `pieces` may hold the texts of an index that `data` is a shard of (made once for all).
    """
    pieces = pieces or _Pieces(data)
    return (
        f'{{"fieldVectors":[{_vectors_text(data, pieces)}],'
        f'"fields":{_json([f.name for f in data.fields])},'
        f'"invertedIndex":[{_inverted_text(data, pieces)}],'
        f'"pipeline":{_json(list(data.pipeline))},'
        f'"version":{_json(LUNR_VERSION)}}}'
    )


def shard_texts(
    data: LunrData, field_names: Iterable[str], key: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """(key, `dumps(shard)`) for each shard of `partition(data, field_names, key)`, one at a time."""
    pieces = _Pieces(data)
    for shard_key, shard in _shards(data, field_names, key):
        yield shard_key, dumps(shard, pieces)


class _Pieces:
    """JSON texts of the documents, term numbers and weights of an index and of its shards."""

    def __init__(self, data: LunrData) -> None:
        self.refs = data.refs
        self.posting_refs = _texts(_json(ref) + ":{}" for ref in data.refs)
        order = sorted(range(len(data.refs)), key=data.refs.__getitem__)
        self.ref_rank = np.empty(len(data.refs), dtype=np.int64)
        self.ref_rank[order] = np.arange(len(data.refs))
        self.heads: dict[str, np.ndarray] = {}
        self.numbers = self.more_numbers = _texts([])
        present = np.zeros(int(data.weights.max(initial=0)) + 1, dtype=bool)
        present[data.weights] = True
        self.weights = np.empty(len(present), dtype=object)
        self.weights[present] = [repr(n / 1000) for n in np.flatnonzero(present).tolist()]

    def vector_heads(self, name: str) -> np.ndarray:
        """`]],["name/ref",[` of every document: the end of a vector and the start of the next."""
        if name not in self.heads:
            self.heads[name] = _texts(f"]],[{_json(f'{name}/{ref}')},[" for ref in self.refs)
        return self.heads[name]

    def term_numbers(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """`n,` (a vector's first element) and `,n,` (the others) for numbers below `count`."""
        if len(self.numbers) < count:
            self.numbers = _texts(f"{n}," for n in range(max(count, 2 * len(self.numbers))))
            self.more_numbers = _texts("," + text for text in self.numbers.tolist())
        return self.numbers, self.more_numbers


def _texts(strings: Iterable[str]) -> np.ndarray:
    """A numpy array of Python strings."""
    strings = list(strings)
    texts = np.empty(len(strings), dtype=object)
    texts[:] = strings
    return texts


def _vectors_text(data: LunrData, pieces: _Pieces) -> str:
    """The field vectors, `["name/ref",[n,w,n,w]],...`, joined from ready-made pieces.

    Each vector gives one piece (its head), each row two (its term number, its weight).
    """
    count, rows = len(data.vector_doc), len(data.term_numbers)
    if not count:
        return ""
    heads = np.empty(count, dtype=object)
    for number, spec in enumerate(data.fields):
        mine = data.vector_field == number
        heads[mine] = pieces.vector_heads(spec.name)[data.vector_doc[mine]]
    firsts, ends = data.starts[:-1], data.starts[1:]
    first_row = np.zeros(rows, dtype=bool)
    first_row[firsts[firsts < ends]] = True
    first, more = pieces.term_numbers(len(data.terms))
    tokens = np.empty(count + 2 * rows, dtype=object)
    at_heads = firsts * 2 + np.arange(count)
    tokens[at_heads] = heads
    at_rows = np.ones(len(tokens), dtype=bool)
    at_rows[at_heads] = False
    at_rows = np.flatnonzero(at_rows)
    tokens[at_rows[0::2]] = np.where(first_row, first[data.term_numbers], more[data.term_numbers])
    tokens[at_rows[1::2]] = pieces.weights[data.weights]
    return "".join(tokens.tolist())[3:] + "]]"


def _inverted_text(data: LunrData, pieces: _Pieces) -> str:
    """The inverted index, `["term",{"_index":n,"name":{"ref":{},...},...}],...`, by term.

    Keys are in sorted order ("_index" among the field names), refs too: the rows are sorted
    once into that order, and each (term, key) slot takes the refs of its consecutive rows.
    """
    keys = sorted(["_index", *(f.name for f in data.fields)])
    key_of_field = np.array([keys.index(f.name) for f in data.fields])
    by_term = sorted(range(len(data.terms)), key=data.terms.__getitem__)
    term_rank = np.empty(len(data.terms), dtype=np.int64)
    term_rank[by_term] = np.arange(len(data.terms))
    row_vectors = data.row_vectors()
    docs = data.vector_doc[row_vectors]
    slots = term_rank[data.term_numbers] * len(keys) + key_of_field[data.vector_field[row_vectors]]
    order = np.argsort(slots * len(pieces.refs) + pieces.ref_rank[docs], kind="stable")
    refs = pieces.posting_refs[docs[order]].tolist()
    bounds = [0, *np.cumsum(np.bincount(slots, minlength=len(by_term) * len(keys))).tolist()]
    heads = [_json(key) + ":" for key in keys]
    entries = []
    slot = 0
    for number in by_term:
        members = []
        for head, key in zip(heads, keys, strict=True):
            refs_text = ",".join(refs[bounds[slot] : bounds[slot + 1]])
            members.append(f"{head}{number}" if key == "_index" else f"{head}{{{refs_text}}}")
            slot += 1
        entries.append(f"[{_json(data.terms[number])},{{{','.join(members)}}}]")
    return ",".join(entries)


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
