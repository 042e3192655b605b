"""Build the client-side search files: a Lunr index (lunr.py) that lunr.js 2.3.9 can query.

lunr.py 0.8.0 differs from lunr.js 2.3.9 in two pipeline functions, so an index built with
its defaults silently misses queries that lunr.js runs. This module uses its own versions,
labelled with the names lunr.js knows ("trimmer", "stemmer"), so the serialized search
pipeline loads in stock lunr.js and the index holds exactly the terms lunr.js looks up:

- stemmer: lunr.py's Porter step 1c turns a final y into i when the stem has a vowel
  ("survey" -> "survei"); lunr.js (``/^(.+?[^aeiou])y$/``) does so only after a non-vowel
  that is not the first letter ("survey" stays, "try" -> "tri").
- trimmer: lunr.py strips Unicode non-word characters and leaves a token with inner
  punctuation untouched ("(e.g.," stays); lunr.js strips ASCII ``\\W`` from both ends.

lunr.py's global function registry is left alone. The search pipeline trims before it stems,
so lunr.js finds ``attention?`` and ``(attention)`` too.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder
from lunr.index import Index
from lunr.stemmer import PorterStemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.token_set import TokenSet

INDEX_PATH = "search/index.json"
DOCS_PATH = "search/docs.json"

# Field name -> boost: a title hit outranks a topic or author hit, which outranks the abstract.
FIELD_BOOSTS: dict[str, int] = {"title": 10, "topics": 4, "authors": 4, "abstract": 1}
LIST_SEPARATOR = "; "
# docs.json keeps this much of each abstract (cut at a word boundary) for result snippets.
SNIPPET_SOURCE_CHARS = 600

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# What lunr.js treats as whitespace (\s) but Python's str.split() does not, and vice versa,
# is normalised to a plain space before indexing so both split words at the same places.
_WHITESPACE = re.compile(r"[\s\ufeff]+")
_LEADING_NON_WORD = re.compile(r"^\W+", re.ASCII)
_TRAILING_NON_WORD = re.compile(r"\W+\Z", re.ASCII)


@dataclass(frozen=True)
class SearchEntry:
    """One paper as the search index and a search result see it."""

    id: str
    url: str  # relative to the site root, e.g. "papers/<id>/"
    title: str
    topics: tuple[str, ...]  # topic titles
    authors: tuple[str, ...]
    abstract: str
    year: int | None


class _LunrJsPorterStemmer(PorterStemmer):
    """lunr.py's Porter stemmer with lunr.js 2.3.9's step 1c."""

    def step1c(self) -> None:
        """Turn a final y into i after a non-vowel that is not the word's first letter."""
        if self.ends("y") and self.j > self.k0 and self.b[self.j] not in "aeiou":
            self.b = self.b[: self.k] + "i" + self.b[self.k + 1 :]


_PORTER = _LunrJsPorterStemmer()  # keeps state while stemming: one word at a time


@functools.lru_cache(maxsize=1 << 16)
def stem_word(word: str) -> str:
    """Stem one lower-case word exactly as lunr.js 2.3.9's ``lunr.stemmer`` does."""
    return _PORTER.stem(word)


def trim_word(word: str) -> str:
    """Strip ASCII non-word characters from both ends, as lunr.js 2.3.9's ``lunr.trimmer``."""
    return _TRAILING_NON_WORD.sub("", _LEADING_NON_WORD.sub("", word))


def stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """Pipeline function: stem a token the lunr.js way (serialized as "stemmer")."""
    return token.update(lambda string, metadata=None: stem_word(string))


def trimmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """Pipeline function: trim a token the lunr.js way (serialized as "trimmer")."""
    return token.update(lambda string, metadata=None: trim_word(string))


def drop_empty(
    token: Token, i: int | None = None, tokens: list[Token] | None = None
) -> Token | None:
    """Index pipeline function: drop tokens the trimmer emptied (e.g. "—"); never serialized."""
    return token if token.string else None


stemmer.label = "stemmer"  # type: ignore[attr-defined]
trimmer.label = "trimmer"  # type: ignore[attr-defined]
drop_empty.label = "dropEmpty"  # type: ignore[attr-defined]


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (as Python or JavaScript see it) to one space."""
    return _WHITESPACE.sub(" ", text).strip()


def new_builder() -> Builder:
    """A fresh, fully configured lunr.py builder whose index lunr.js 2.3.9 reads identically."""
    builder = Builder()
    builder.pipeline.add(trimmer, drop_empty, stop_word_filter, stemmer)
    builder.search_pipeline.add(trimmer, stemmer)
    builder.ref("ref")
    for name, boost in FIELD_BOOSTS.items():
        builder.field(name, boost=boost)
    return builder


def index_document(entry: SearchEntry, ref: str) -> dict[str, str]:
    """The document lunr indexes: every field present, lists joined into strings."""
    return {
        "ref": ref,
        "title": normalise_space(entry.title),
        "topics": normalise_space(LIST_SEPARATOR.join(entry.topics)),
        "authors": normalise_space(LIST_SEPARATOR.join(entry.authors)),
        "abstract": normalise_space(entry.abstract),
    }


def build_index(entries: Sequence[SearchEntry]) -> Index:
    """Index the entries (sorted by id, so the output is deterministic)."""
    builder = new_builder()
    ordered = _sorted_unique(entries)
    if not ordered:
        return _empty_index(builder)  # lunr.py divides by the document count
    for ref, entry in zip(short_refs(len(ordered)), ordered, strict=True):
        builder.add(index_document(entry, ref))
    return builder.build()


def _empty_index(builder: Builder) -> Index:
    """An index without documents, configured like the builder's."""
    return Index(
        inverted_index={},
        field_vectors={},
        token_set=TokenSet.from_list([]),
        fields=list(FIELD_BOOSTS),
        pipeline=builder.search_pipeline,
    )


def snippet_source(abstract: str, limit: int = SNIPPET_SOURCE_CHARS) -> str:
    """The start of an abstract, cut at a word boundary, that result snippets are taken from."""
    text = normalise_space(abstract)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit].rstrip() + " …"


def result_view(entry: SearchEntry) -> dict[str, Any]:
    """What one search result shows."""
    return {
        "title": normalise_space(entry.title),
        "url": entry.url,
        "topics": [normalise_space(topic) for topic in entry.topics],
        "year": entry.year,
        "abstract": snippet_source(entry.abstract),
    }


def build_search_files(entries: Sequence[SearchEntry]) -> dict[str, bytes]:
    """Build the search output files, keyed by path relative to the site root."""
    unique = _sorted_unique(entries)
    docs = dict(zip(short_refs(len(unique)), map(result_view, unique), strict=True))
    return {
        INDEX_PATH: _json_bytes(build_index(unique).serialize()),
        DOCS_PATH: _json_bytes(docs),
    }


def short_refs(count: int) -> list[str]:
    """Document refs "0", "1", ... "a", ... "10", ... (base 36) for entries in id order.

    Every posting in the index repeats its document's ref, so paper ids (long slugs) as
    refs would triple the index; docs.json maps each short ref to its result.
    """
    return [_base36(number) for number in range(count)]


def _base36(number: int) -> str:
    """A non-negative number in base 36, lower case."""
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _DIGITS[digit] + digits
        if number == 0:
            return digits


def _sorted_unique(entries: Sequence[SearchEntry]) -> list[SearchEntry]:
    """Entries sorted by id; two entries with one id are an error."""
    ordered = sorted(entries, key=lambda entry: entry.id)
    for before, after in itertools.pairwise(ordered):
        if before.id == after.id:
            raise ValueError(f"two search entries have the id {after.id!r}")
    return ordered


def _json_bytes(data: object) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same data always gives the same bytes."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
