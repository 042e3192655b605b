"""What the search indexes, and the Lunr index of it that lunr.js 2.3.9 can query.

lunr.py 0.8.0 differs from lunr.js 2.3.9 in two pipeline functions, so an index built with
its defaults silently misses queries that lunr.js runs. This module uses its own versions,
labelled with the names lunr.js knows ("trimmer", "stemmer"), so the serialized search
pipeline loads in stock lunr.js and the index holds exactly the terms lunr.js looks up:

- stemmer: lunr.py's Porter step 1c turns a final y into i when the stem has a vowel
  ("survey" -> "survei"); lunr.js (``/^(.+?[^aeiou])y$/``) does so only after a non-vowel
  that is not the first letter ("survey" stays, "try" -> "tri").
- trimmer: lunr.py strips Unicode non-word characters and leaves a token with inner
  punctuation untouched ("(e.g.," stays); lunr.js strips ASCII ``\\W`` from both ends.

The index pipeline is trim -> drop empty -> stop words -> stem (`term_of`); the search
pipeline trims before it stems, so lunr.js finds ``attention?`` and ``(attention)`` too.

`build_data` builds the index with the fast builder (`lunr_builder`: about 0.6 s for 10,000
papers where lunr.py takes about 23 s). `build_index` builds the same index with
lunr.py's own Builder: the tests use it as the reference. lunr.py's global function registry
is left alone.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder
from lunr.index import Index
from lunr.stemmer import PorterStemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.token_set import TokenSet

from .lunr_builder import FieldSpec, LunrData, build

# Field name -> boost: a title hit outranks a topic or author hit, which outranks the abstract.
FIELD_BOOSTS: dict[str, int] = {"title": 10, "topics": 4, "authors": 4, "abstract": 1}
FIELDS = tuple(FieldSpec(name, boost) for name, boost in FIELD_BOOSTS.items())
SEARCH_PIPELINE = ("trimmer", "stemmer")  # serialized; lunr.js runs it on every query term
LIST_SEPARATOR = "; "
# A result keeps this much of its abstract (cut at a word boundary) to take snippets from.
SNIPPET_SOURCE_CHARS = 240

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_LEADING_NON_WORD = re.compile(r"^\W+", re.ASCII)
_TRAILING_NON_WORD = re.compile(r"\W+\Z", re.ASCII)
_ASCII_SPACES_BUT_SPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f"  # str.split() splits at these too


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


# ---------------------------------------------------------------- the pipeline


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


def term_of(word: str) -> str | None:
    """The index pipeline on one lower-case word: its index term, or None to drop it."""
    trimmed = trim_word(word)
    if not trimmed or trimmed in STOP_WORDS:
        return None
    return stem_word(trimmed)


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (as Python or JavaScript see it) to one space.

    What lunr.js treats as whitespace (\\s) but Python's str.split() does not (U+FEFF), and
    vice versa, becomes a plain space before indexing, so both split words at one place.
    """
    if _single_spaced(text):
        return text  # most text is: this test takes a quarter of the time of the rewrite
    return " ".join(text.replace("\ufeff", " ").split())


def _single_spaced(text: str) -> bool:
    """Whether the only whitespace in a text is single spaces between words."""
    if text.isascii():
        no_other_space = not any(space in text for space in _ASCII_SPACES_BUT_SPACE)
    else:
        no_other_space = text.isprintable()  # no Unicode space, nor U+FEFF
    return no_other_space and "  " not in text and text[:1] != " " and text[-1:] != " "


def index_document(entry: SearchEntry, ref: str) -> dict[str, str]:
    """The document lunr indexes: every field present, lists joined into strings."""
    return {
        "ref": ref,
        "title": normalise_space(entry.title),
        "topics": normalise_space(LIST_SEPARATOR.join(entry.topics)),
        "authors": normalise_space(LIST_SEPARATOR.join(entry.authors)),
        "abstract": normalise_space(entry.abstract),
    }


# ---------------------------------------------------------------- the index


def build_data(entries: Sequence[SearchEntry]) -> LunrData:
    """Index the entries (sorted by id, refs `short_refs`) with the fast builder."""
    ordered = sorted_unique(entries)
    documents = (
        (ref, index_document(entry, ref))
        for ref, entry in zip(short_refs(len(ordered)), ordered, strict=True)
    )
    with collector_paused():
        return build(documents, FIELDS, term_of, SEARCH_PIPELINE)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the builder makes millions of small, acyclic objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_index(entries: Sequence[SearchEntry]) -> Index:
    """The same index built by lunr.py's own Builder: the reference the tests compare with."""
    builder = _new_builder()
    ordered = sorted_unique(entries)
    if not ordered:
        return _empty_index(builder)  # lunr.py divides by the document count
    for ref, entry in zip(short_refs(len(ordered)), ordered, strict=True):
        builder.add(index_document(entry, ref))
    return builder.build()


def _stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """lunr.py pipeline function: stem a token the lunr.js way (serialized as "stemmer")."""
    return token.update(lambda string, metadata=None: stem_word(string))


def _trimmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    """lunr.py pipeline function: trim a token the lunr.js way (serialized as "trimmer")."""
    return token.update(lambda string, metadata=None: trim_word(string))


def _drop_empty(
    token: Token, i: int | None = None, tokens: list[Token] | None = None
) -> Token | None:
    """lunr.py index pipeline function: drop tokens the trimmer emptied; never serialized."""
    return token if token.string else None


_stemmer.label = "stemmer"  # type: ignore[attr-defined]
_trimmer.label = "trimmer"  # type: ignore[attr-defined]
_drop_empty.label = "dropEmpty"  # type: ignore[attr-defined]


def _new_builder() -> Builder:
    """A fresh lunr.py builder configured like `build_data` (a reused one keeps old documents)."""
    builder = Builder()
    builder.pipeline.add(_trimmer, _drop_empty, stop_word_filter, _stemmer)
    builder.search_pipeline.add(_trimmer, _stemmer)
    builder.ref("ref")
    for name, boost in FIELD_BOOSTS.items():
        builder.field(name, boost=boost)
    return builder


def _empty_index(builder: Builder) -> Index:
    """An index without documents, configured like the builder's."""
    return Index(
        inverted_index={},
        field_vectors={},
        token_set=TokenSet.from_list([]),
        fields=list(FIELD_BOOSTS),
        pipeline=builder.search_pipeline,
    )


# ---------------------------------------------------------------- results and refs


def snippet_source(abstract: str, limit: int = SNIPPET_SOURCE_CHARS) -> str:
    """The start of an abstract, cut at a word boundary, that result snippets are taken from."""
    text = normalise_space(abstract)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit].rstrip() + " …"


def result_view(entry: SearchEntry) -> dict[str, Any]:
    """What one search result shows at once; its snippet (`snippet_source`) follows."""
    return {
        "title": normalise_space(entry.title),
        "url": entry.url,
        "topics": [normalise_space(topic) for topic in entry.topics],
        "year": entry.year,
    }


def short_refs(count: int) -> list[str]:
    """Document refs "0", "1", ... "a", ... "10", ... (base 36) for entries in id order.

    Every posting in the index repeats its document's ref, so paper ids (long slugs) as
    refs would triple the index; the result documents are found by position instead.
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


def sorted_unique(entries: Sequence[SearchEntry]) -> list[SearchEntry]:
    """Entries sorted by id; two entries with one id are an error."""
    ordered = sorted(entries, key=lambda entry: entry.id)
    for before, after in itertools.pairwise(ordered):
        if before.id == after.id:
            raise ValueError(f"two search entries have the id {after.id!r}")
    return ordered
