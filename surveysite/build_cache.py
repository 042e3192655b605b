"""What the last successful build knew, so the next one only redoes what changed.

Kept in `.surveysite-cache/` beside the content (git-ignored; safe to delete). The cache is
only an accelerator: a build with it writes exactly the bytes a build without it writes
(tests/test_incremental.py checks this), and any mismatch falls back to a full build.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

CACHE_FOLDER = ".surveysite-cache"
CACHE_FILE = "build.pickle"
RECORD_SHARDS = 32
ENVIRONMENT = ("SURVEYSITE_BASE_URL", "SURVEYSITE_REPOSITORY", "SOURCE_DATE_EPOCH")
PACKAGE = Path(__file__).resolve().parent
T = TypeVar("T")


def digest(value: Any) -> str:
    """A stable hash of a picklable value (dicts keep insertion order, so views hash stably).

    The pickler's memo is off: with it, an object met twice is pickled the second time as a
    reference, so equal values that share objects differently would hash differently.
    """
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.fast = True  # no memo (recursive values cannot be hashed; views are never recursive)
    pickler.dump(value)
    return hashlib.sha256(stream.getbuffer()).hexdigest()


def part_digest(digests: dict[str, str], kind: str, part: Callable[[], Any]) -> str:
    """The digest of `part()`, a part of one record, kept in that record's `digests` under
    `kind` (see Survey.digests): an unchanged record's digests come from the cache."""
    found = digests.get(kind)
    if found is None:
        found = digests[kind] = digest(part())
    return found


def tree_state(folders: Iterable[Path]) -> list[tuple[str, int, int]]:
    """Every file under the folders, with its stat key, in a stable order."""
    state = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                info = os.stat(path)
                state.append((path, info.st_size, info.st_mtime_ns))
    return state


def write_pickle(path: Path, value: Any) -> None:
    """Save `value` at `path` atomically: a killed build leaves the old file or none (an
    OSError leaves no temporary file behind)."""
    temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        temporary.write_bytes(pickle.dumps(value, protocol=5))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def code_version() -> str:
    """The package's own source, so a new version of surveysite never reuses old results
    (not its compiled files: Python writes each when it first imports that module, which may
    be in the middle of a build, and the next build would make every page again)."""
    return digest([entry for entry in tree_state([PACKAGE]) if entry[0].endswith(".py")])


def output_state(output: Path) -> tuple[int, int] | None:
    """The output folder's identity (a new folder is swapped in by every build)."""
    try:
        info = output.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


@dataclass
class BuildCache:
    """The last successful build's inputs and outputs."""

    path: Path | None = None
    version: str = ""
    fingerprint: str = ""
    output: tuple[int, int] | None = None
    output_path: str = ""  # the folder `output`, `pages` and `files` describe
    documents: dict[str, tuple[tuple[int, int], Any]] = field(default_factory=dict)
    # path -> (document, record, problems, digests); saved in one pickle with `documents`, so
    # an unchanged document is the very object its record was checked from
    validated: dict[str, tuple[Any, Any, list, dict]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # output path -> view digest
    files: dict[str, str] = field(default_factory=dict)  # output path -> sha256 of its bytes
    memo: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (input digest, value)
    memo_keys: dict[str, str] = field(default_factory=dict)  # name -> input digest, as saved
    # name -> (input digest, output files) of files made from inputs (see saved_files)
    memo_files: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    # Each memo value (the search files, the related papers...) is saved in a file of its own,
    # `memo-<name>.pickle`, read only when asked for and written only when it changed.
    # `documents` and `validated` are saved in RECORD_SHARDS files by path, `records-<n>.pickle`;
    # a file is written again only when one of its entries changed (`_loaded` has the entries
    # as read, compared by identity) or a record got new digests (`_digests` has how many
    # each had when read).
    _loaded: dict[int, dict[str, tuple]] = field(default_factory=dict, repr=False)
    _digests: dict[str, int] = field(default_factory=dict, repr=False)
    records_saved: bool = False  # this cache's records files were written

    @classmethod
    def open(cls, root: Path) -> BuildCache:
        """The cache of the project at `root`, or an empty one (missing, old or unreadable)."""
        path = root / CACHE_FOLDER / CACHE_FILE
        version = code_version()
        try:
            with path.open("rb") as stream:
                cache = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return cls(path, version)
        if not isinstance(cache, cls) or cache.version != version:
            return cls(path, version)
        cache.path = path
        return cache

    def describes(self, output: Path) -> bool:
        """Whether `pages` and `files` are about this output folder: the one the last build
        wrote (the same path, and the same folder: not replaced since)."""
        state = output_state(output)
        return (
            self.output_path == str(output.resolve())
            and state is not None
            and self.output is not None
            and state[0] == self.output[0]
        )

    def forget_output(self) -> None:
        """Forget what the last build wrote (it wrote another folder)."""
        self.pages, self.files, self.memo_files = {}, {}, {}

    def read_records(self) -> None:
        """Read the saved documents and records (a build that finds nothing changed does not
        need them: they are most of the cache)."""
        if self.path is None or not self.records_saved or self._loaded:
            return  # a new cache (none, or of another version): nothing saved belongs to it
        for shard in range(RECORD_SHARDS):
            try:
                entries = pickle.loads(self.shard_path(shard).read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                continue  # those files are read again
            for name, (document, validated) in entries.items():
                if document is not None:
                    self.documents[name] = document
                if validated is not None:
                    self.validated[name] = validated
                    self._digests[name] = len(validated[3])
            self._loaded[shard] = entries

    def save(self) -> None:
        """Write the cache atomically (a killed build leaves the old cache or none)."""
        if self.path is None:
            return
        self.path.parent.mkdir(exist_ok=True)
        if not self.records_saved:  # a new cache: the files of an older one are of no use
            for stale in self.path.parent.glob("memo-*.pickle"):
                if stale.name.removeprefix("memo-").removesuffix(".pickle") not in self.memo:
                    stale.unlink(missing_ok=True)
        for name, (key, value) in self.memo.items():
            if self.memo_keys.get(name) != key:
                write_pickle(self.memo_path(name), (key, value))
                self.memo_keys[name] = key
        self.stub_documents()
        shards: dict[int, dict[str, tuple]] = {n: {} for n in range(RECORD_SHARDS)}
        for name in self.documents.keys() | self.validated.keys():
            entry = (self.documents.get(name), self.validated.get(name))
            shards[record_shard(name)][name] = entry
        for shard, entries in shards.items():
            if not same_entries(entries, self._loaded.get(shard), self._digests):
                write_pickle(self.shard_path(shard), entries)
        self._loaded = shards
        self._digests = {name: len(entry[3]) for name, entry in self.validated.items()}
        self.records_saved = True
        kept = (self.path, self.memo, self.documents, self.validated, self._loaded, self._digests)
        self.path, self.memo, self.documents, self.validated = None, {}, {}, {}
        self._loaded, self._digests = {}, {}
        try:
            write_pickle(kept[0], self)
        finally:
            self.path, self.memo, self.documents, self.validated = kept[:4]
            self._loaded, self._digests = kept[4:]

    def stub_documents(self) -> None:
        """Keep only the name of each document that has a checked record: the next build
        reuses the record and never reads the document's data (about half of the records
        files)."""
        stubs = {}
        for name, (document, *checked) in self.validated.items():
            if not document.stub:
                stubs[id(document)] = stub = document.as_stub()
                self.validated[name] = (stub, *checked)
        for name, (key, (document, found)) in self.documents.items():
            stub = stubs.get(id(document))
            if stub is not None:
                self.documents[name] = (key, (stub, found))

    def shard_path(self, shard: int) -> Path:
        """Where one part of the documents and records is saved."""
        assert self.path is not None
        return self.path.with_name(f"records-{shard}.pickle")

    def own_file(self, name: str) -> Path | None:
        """A file in the cache's folder that a stage keeps for itself (None for a cache that
        is not saved)."""
        return self.path.with_name(name) if self.path else None

    def memo_path(self, name: str) -> Path:
        """Where a memo value is saved."""
        assert self.path is not None
        return self.path.with_name(f"memo-{name}.pickle")

    def remember(self, name: str, inputs: Any, compute: Callable[[], T]) -> T:
        """`compute()`, or its last value when `inputs` hash the same as last time."""
        key, value = self.recall(name, inputs)
        if value is None:
            value = compute()
            self.store(name, key, value)
        return value

    def recall(self, name: str, inputs: Any) -> tuple[str, Any]:
        """The digest of `inputs`, and the value stored under `name` for them (or None)."""
        key = digest(inputs)
        if name not in self.memo and self.path and self.memo_keys.get(name) == key:
            try:
                self.memo[name] = pickle.loads(self.memo_path(name).read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                pass  # gone or unreadable: computed again
        if name in self.memo and self.memo[name][0] == key:
            return key, self.memo[name][1]
        return key, None

    def saved_files(self, name: str, key: str) -> list[str] | None:
        """The output files made under `name` from inputs of digest `key`, when the last build
        made them (so they are in its output: their bytes need not be kept), or None."""
        saved = self.memo_files.get(name)
        if saved is None or saved[0] != key or not all(n in self.files for n in saved[1]):
            return None
        return saved[1]

    def store(self, name: str, key: str, value: Any) -> None:
        """Keep `value` under `name` for inputs with digest `key`."""
        self.memo[name] = (key, value)


def record_shard(name: str) -> int:
    """Which records file holds a content file's document and record: by file name, which
    the document's key (its full path) and the record's (its path as shown) share, so the
    two are saved in one file and read back as one object."""
    return zlib.crc32(name.rpartition("/")[2].encode("utf-8")) % RECORD_SHARDS


def same_entries(
    entries: dict[str, tuple], loaded: dict[str, tuple] | None, digests: dict[str, int]
) -> bool:
    """Whether every entry is the very one read from the file, with as many digests as it
    had then (so the file holds them)."""
    if loaded is None or entries.keys() != loaded.keys():
        return False
    return all(
        new is old
        for name, entry in entries.items()
        for new, old in zip(entry, loaded[name], strict=True)
    ) and all(
        validated is None or len(validated[3]) == digests.get(name)
        for name, (_, validated) in entries.items()
    )


def input_fingerprint(folders: Iterable[Path], output: Path, extra: Any = None) -> str:
    """Everything a build reads: input files' stat keys, settings from the environment, options."""
    environment = [(name, os.environ.get(name)) for name in ENVIRONMENT]
    return digest((tree_state(folders), environment, str(output), extra))
