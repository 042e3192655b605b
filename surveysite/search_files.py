"""Stage 6: the search files, from the survey model (what is indexed: search_index).

One Lunr index of every paper is built (fast builder), then cut into small files that stock
lunr.js 2.3.9 loads one by one, so a reader fetches only what a query needs:

- two tiers of term shards: the *title* tier (fields title, topics, authors) is searched
  first; the *abstract* tier (field abstract) follows in the background. A term's shard is
  keyed by its first character (title tier) or first two (abstract tier); a shard that would
  hold more than the tier's budget of postings is split by one more character, so shards stay
  small at any corpus size (none is split in a survey of a few hundred papers). Each shard is
  a complete lunr index whose weights are exactly the full index's (`lunr_builder.partition`:
  BM25 over all fields and documents, nothing recomputed);
- the documents a result shows, in chunks of `DOCS_CHUNK` consecutive refs (refs are base-36
  positions in id order): what a result shows at once (title, url, topics, year) in a small
  file per chunk, which names the file of the chunk's snippet sources (the start of each
  abstract), fetched only once the results are on screen;
- `search/manifest.json`, which maps shard keys and chunks to files.

Every file but the manifest is named by a hash of its bytes, so files never change once
published and a reader never mixes files of two builds. The manifest format (version 2)::

    {"version": 2, "lunr": "2.3.9", "pipeline": ["trimmer", "stemmer"], "documents": 329,
     "tiers": [{"name": "title", "fields": ["title", "topics", "authors"], "keyLength": 1,
                "shards": {"a": "t-0123456789ab.json", ...}},
               {"name": "abstract", "fields": ["abstract"], "keyLength": 2,
                "shards": {"at": "a-...json", ...}}],
     "docs": {"chunk": 16, "files": ["d-...json", ...]}}

File names are relative to the manifest's folder. Keys are counted in characters (code
points); a term's shard is the one whose key is the longest that begins the term (its first
`keyLength` characters, or more where a shard was split; the whole term if it is shorter).
Tiers are listed in the order they are searched. A docs chunk ("d-") is
{"docs": [{title, url, topics, year}, ...], "snippets": "s-...json"}; the document of ref r is
item int(r, 36) % chunk of the docs of file int(r, 36) // chunk, and its snippet source is the
same item of the chunk's snippets file ("s-", a JSON list of strings, "" for no abstract).
The manifest does not list the snippets files (it is fetched before every first result; they
are not). All JSON is compact with sorted keys: two builds are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .lunr_builder import LUNR_VERSION, LunrData, shard_keys, shard_texts
from .model import Survey
from .search_index import (
    SEARCH_PIPELINE,
    SearchEntry,
    build_data,
    collector_paused,
    result_view,
    snippet_source,
    sorted_unique,
)
from .urls import paper_url

SEARCH_DIR = "search/"
MANIFEST_PATH = SEARCH_DIR + "manifest.json"
MANIFEST_VERSION = 2
DOCS_CHUNK = 16
HASH_CHARS = 12


@dataclass(frozen=True)
class Tier:
    """Fields searched together, sharded by the first `key_length` characters of a term."""

    name: str
    fields: tuple[str, ...]
    key_length: int
    budget: int  # postings in a shard before it is split by one more character
    prefix: str  # of its file names


# A posting (one term in one document) costs about 25 bytes (6 gzipped) in the title tier
# and 30 (8) in the abstract tier. Smaller budgets make more, smaller shards and a bigger
# manifest; a shard of one term (as "network" in many titles) cannot be split.
TIERS = (
    Tier("title", ("title", "topics", "authors"), 1, 8000, "t"),
    Tier("abstract", ("abstract",), 2, 16000, "a"),
)


def search_entries(survey: Survey) -> list[SearchEntry]:
    """One search entry per paper: what is searched and what a result shows."""
    return [
        SearchEntry(
            id=paper.id,
            url=paper_url(paper.id),
            title=paper.title,
            topics=tuple(survey.topics[s].title for s in survey.paper_topics.get(paper.id, ())),
            authors=paper.authors,
            abstract=paper.abstract,
            year=paper.year,
        )
        for paper in survey.papers.values()
    ]


def search_files(survey: Survey) -> dict[str, bytes]:
    """The manifest, shards and document chunks, keyed by path in the site."""
    return build_search_files(search_entries(survey))


def build_search_files(
    entries: Sequence[SearchEntry], tiers: Sequence[Tier] = TIERS
) -> dict[str, bytes]:
    """Build the search output files, keyed by path relative to the site root."""
    with collector_paused():
        return _build_search_files(sorted_unique(entries), tiers)


def _build_search_files(ordered: list[SearchEntry], tiers: Sequence[Tier]) -> dict[str, bytes]:
    """The files of entries already sorted by id."""
    data = build_data(ordered)
    files: dict[str, bytes] = {}
    manifest = {
        "version": MANIFEST_VERSION,
        "lunr": LUNR_VERSION,
        "pipeline": list(SEARCH_PIPELINE),
        "documents": len(ordered),
        "tiers": [tier_manifest(tier, data, files) for tier in tiers],
        "docs": {"chunk": DOCS_CHUNK, "files": docs_files(ordered, files)},
    }
    files[MANIFEST_PATH] = json_bytes(manifest)
    return files


def tier_manifest(tier: Tier, data: LunrData, files: dict[str, bytes]) -> dict[str, Any]:
    """Write a tier's shards into `files`; its manifest entry."""
    keys = shard_keys(data, tier.fields, tier.key_length, tier.budget)
    shards = {
        key: add_file(files, tier.prefix, text.encode("utf-8"))
        for key, text in shard_texts(data, tier.fields, keys.__getitem__)
    }
    return {
        "name": tier.name,
        "fields": list(tier.fields),
        "keyLength": tier.key_length,
        "shards": dict(sorted(shards.items())),
    }


def docs_files(ordered: Sequence[SearchEntry], files: dict[str, bytes]) -> list[str]:
    """Write the result documents in chunks of DOCS_CHUNK refs into `files`; their names."""
    return [
        docs_chunk(ordered[start : start + DOCS_CHUNK], files)
        for start in range(0, len(ordered), DOCS_CHUNK)
    ]


def docs_chunk(chunk: Sequence[SearchEntry], files: dict[str, bytes]) -> str:
    """Write one chunk's documents and the file of its snippet sources; the chunk's name.

    A result is shown from the small docs file; the snippets (most of the bytes) follow.
    """
    snippets = add_file(files, "s", json_bytes([snippet_source(e.abstract) for e in chunk]))
    docs = {"docs": [result_view(entry) for entry in chunk], "snippets": snippets}
    return add_file(files, "d", json_bytes(docs))


def add_file(files: dict[str, bytes], prefix: str, data: bytes) -> str:
    """Add a file named by its content; its name, relative to the search folder."""
    name = f"{prefix}-{hashlib.sha256(data).hexdigest()[:HASH_CHARS]}.json"
    path = SEARCH_DIR + name
    if files.setdefault(path, data) != data:
        raise ValueError(f"two search files hash to {path}")
    return name


def json_bytes(data: object) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same data always gives the same bytes."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
