"""Stage 7: write the site to a staging folder beside the output, then swap it in.

A build that fails, or is killed at any moment, leaves the previous output as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link to an unchanged file (cheap, and the old site keeps its own name for it)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


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
        if output.exists():
            output.rename(retired)
        staging.rename(output)
    except BaseException:
        if retired.exists() and not output.exists():
            retired.rename(output)
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
    """Remove staging folders of killed builds; restore a site a killed swap left aside."""
    for leftover in sorted(output.parent.glob(f".{output.name}-staging-*")):
        shutil.rmtree(leftover, ignore_errors=True)
    for trash in sorted(output.parent.glob(f".{output.name}-trash-*")):
        delete_in_background(trash)  # a deletion that was cut short (or still running)
    for retired in sorted(output.parent.glob(f".{output.name}-old-*")):
        if output.exists():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            retired.rename(output)
