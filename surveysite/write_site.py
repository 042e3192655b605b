"""Stage 7: write the site to a staging folder beside the output, then swap it in, or
(when few files changed) move the changed files in.

A build that fails, or is killed at any moment, leaves the previous output as it was, or
(killed while moving files in) lets the next build finish the move from its journal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class OutputError(Exception):
    """Two files on one path, or a path that would escape the output folder."""


def check_paths(files: Iterable[str]) -> None:
    """Refuse unsafe paths and paths that collide on case-insensitive file systems."""
    seen: dict[str, str] = {}
    for name in files:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise OutputError(f"output path '{name}' would escape the site folder")
        folded = name.casefold()
        if folded in seen:
            raise OutputError(
                f"'{name}' and '{seen[folded]}' would be one file on a case-insensitive file system"
            )
        seen[folded] = name


class Unchanged:
    """Marks an output file as identical to the one in the current output: it is linked, not written."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged()
JOURNAL = ".journal"  # in a staging folder: its files are complete and being moved in


def write_files(folder: Path, files: dict[str, bytes | Unchanged], previous: Path) -> None:
    """Write files under `folder`; unchanged ones are linked from `previous`."""
    made = {folder}
    for name in sorted(files):
        target = folder / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        data = files[name]
        if isinstance(data, Unchanged):
            link_or_copy(previous / name, target)
        else:
            target.write_bytes(data)


def write_file(folder: Path, name: str, data: bytes) -> None:
    """Write `data` at `name` under `folder`, making its folders."""
    target = folder / name
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link to an unchanged file (cheap, and the old site keeps its own name for it)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@dataclass
class SiteUpdate:
    """A build's output on its way into the site: the files that changed are written into
    `staging` (at their paths in the site); `unchanged` lists the files whose bytes equal
    the current site's."""

    staging: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@contextmanager
def updated_site(output: Path, large: bool = False, patch: bool = True) -> Iterator[SiteUpdate]:
    """Stage a site update; when the block ends, apply it:

    - when at most half the files changed and `patch` is allowed, the changed files are moved
      into the current site one by one and the files no build makes any more are deleted
      (a journal in the staging folder lets the next build finish a move that was killed);
    - otherwise the unchanged files are linked into the staging folder, which is then swapped
      in for `output` (see `staged_site`).

    Raises FileNotFoundError when a file listed as unchanged is missing from the site.
    """
    output = output.resolve()
    with staged_site(output, large) as staging:
        update = SiteUpdate(staging)
        yield update
        current = site_files(output) if patch and output.is_dir() else None
        if current is not None and len(update.written) <= len(current) // 2:
            missing = [name for name in update.unchanged if name not in current]
            if missing:
                raise FileNotFoundError(output / missing[0])
            kept = set(update.written) | set(update.unchanged)
            removed = sorted(name for name in current if name not in kept)
            journal = staging / JOURNAL
            journal.write_text(json.dumps({"written": update.written, "removed": removed}))
            with signals_deferred():
                apply_journal(staging, output)
                shutil.rmtree(staging)
            return
        write_files(staging, dict.fromkeys(update.unchanged, UNCHANGED), output)


def site_files(folder: Path) -> set[str]:
    """Every file under `folder`, as a path relative to it."""
    found, todo = set(), [(str(folder), "")]
    while todo:
        current, prefix = todo.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found.add(prefix + entry.name)
    return found


def apply_journal(staging: Path, output: Path) -> None:
    """Move a staged update's files into the site and delete the removed ones (again, if a
    killed build did part of it already)."""
    journal = json.loads((staging / JOURNAL).read_text())
    made: set[Path] = set()
    for name in journal["written"]:
        source, target = staging / name, output / name
        if not source.exists():
            continue  # moved before the build was killed
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(source, target)
    emptied: set[Path] = set()  # folders that may be empty now
    for name in journal["removed"]:
        target = output / name
        target.unlink(missing_ok=True)
        emptied.update(folder for folder in target.parents if folder.is_relative_to(output))
    emptied.discard(output)
    for folder in sorted(emptied, key=lambda folder: len(folder.parts), reverse=True):
        with suppress(OSError):  # not empty (or removed before the build was killed)
            folder.rmdir()


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends (in the main thread; elsewhere the
    journal lets the next build finish what was cut short)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda n, _: caught.append(n)) for number in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in caught:
            signal.raise_signal(number)


@contextmanager
def staged_site(output: Path, large: bool = False) -> Iterator[Path]:
    """An empty staging folder to write the new site into, swapped in for `output` when
    the block ends; removed, with `output` left as it was, if the block fails or is killed.

    The replaced site of a `large` build is deleted by a background process: deleting
    tens of thousands of folders can take longer than the build itself.
    """
    output = output.resolve()
    staging = output.with_name(f".{output.name}-staging-{os.getpid()}")
    retired = output.with_name(f".{output.name}-old-{os.getpid()}")
    clean_leftovers(output)
    try:
        staging.mkdir(parents=True)
        yield staging
        if not staging.exists():
            return  # the block moved the staged files into `output` itself
        if output.exists():
            output.rename(retired)
        staging.rename(output)
    except BaseException:
        if retired.exists() and not output.exists():
            retired.rename(output)
        if not (staging / JOURNAL).exists():  # else the next build finishes the update
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if large and retired.exists():
        trash = output.with_name(f".{output.name}-trash-{os.getpid()}-{time.time_ns()}")
        retired.rename(trash)
        delete_in_background(trash)
    else:
        shutil.rmtree(retired, ignore_errors=True)


def delete_in_background(folder: Path) -> None:
    """Delete a folder in a detached process that outlives this one (forked twice, so that
    nobody has to wait for it)."""
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def write_site(output: Path, files: dict[str, bytes | Unchanged]) -> None:
    """Replace `output` with exactly `files`, atomically from a reader's point of view."""
    check_paths(files)
    with staged_site(output) as staging:
        write_files(staging, files, output.resolve())


def clean_leftovers(output: Path) -> None:
    """Remove staging folders of killed builds (finishing an update whose journal was
    written); restore a site a killed swap left aside."""
    for leftover in sorted(output.parent.glob(f".{output.name}-staging-*")):
        if (leftover / JOURNAL).exists() and output.is_dir():
            apply_journal(leftover, output)
        shutil.rmtree(leftover, ignore_errors=True)
    for trash in sorted(output.parent.glob(f".{output.name}-trash-*")):
        delete_in_background(trash)  # a deletion that was cut short (or still running)
    for retired in sorted(output.parent.glob(f".{output.name}-old-*")):
        if output.exists():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            retired.rename(output)
