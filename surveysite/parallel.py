"""Run parts of the build in a second process (forked, so it shares what is loaded).

Large surveys keep both cores busy: the related papers and map are computed while this
process builds the search index, and pages are planned, rendered and written in two halves.
On a single core, or with SURVEYSITE_WORKERS=1, everything runs in this process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def workers() -> int:
    """How many processes a build may use: SURVEYSITE_WORKERS, else up to 2 cores."""
    wanted = os.environ.get("SURVEYSITE_WORKERS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return min(2, len(os.sched_getaffinity(0)))


class WorkerDied(RuntimeError):
    """The second process ended without an answer (killed, or out of memory)."""


class Running(Generic[T]):
    """A task running in a forked process; call it to wait for its result.

    A task that returns `Steps` gives its results one at a time: `next()` waits for each but
    the last, which the call returns.
    """

    def __init__(self, process: multiprocessing.Process, receiver) -> None:
        self.process, self.receiver = process, receiver

    def ready(self) -> bool:
        """Whether the next result is here (or the process has ended): `next()` won't wait."""
        return self.receiver.closed or self.receiver.poll()

    def next(self) -> T:
        """Wait for the next result; an exception raised by the task is raised again here."""
        try:
            succeeded, value = self.receiver.recv()
        except EOFError:
            self.close()
            raise WorkerDied(
                f"a build process ended without an answer (exit code {self.process.exitcode})"
            ) from None
        if not succeeded:
            self.close()
            raise value
        return value

    def __call__(self) -> T:
        """Wait for the (last) result, and for the process to end."""
        try:
            return self.next()
        finally:
            self.close()

    def close(self) -> None:
        """Wait for the process to end; no more results are read."""
        self.receiver.close()
        self.process.join()

    def kill(self) -> None:
        """Stop the process now (its result is not wanted)."""
        self.process.kill()
        self.close()


class Here(Generic[T]):
    """Results computed in this process, each when it is asked for (as `Running` waits)."""

    def __init__(self, results: Iterator[T]) -> None:
        self.results = results

    def ready(self) -> bool:
        """Always: asking computes the next result."""
        return True

    def next(self) -> T:
        """The next result."""
        return next(self.results)

    def __call__(self) -> T:
        """The (last) result."""
        return next(self.results)


@dataclass(frozen=True)
class Steps(Generic[T]):
    """What a task returns to hand its results over one at a time, each once it is made."""

    results: Iterator[T]


def in_background(task: Callable[[], T]) -> Running[T]:
    """Start `task()` in a forked process; the returned object waits for its result."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_answer, args=(task, sender), daemon=True)
    process.start()
    sender.close()
    return Running(process, receiver)


def _answer(task: Callable[[], T], sender) -> None:
    """Run `task` and send its results, each as soon as it is made. Sending a large result
    waits until the other process reads it, which may be seconds later: a thread sends, so
    that the task goes on meanwhile (the map is computed while the related papers wait)."""
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    courier = threading.Thread(target=_send_all, args=(outbox, sender))
    courier.start()
    try:
        value = task()
        for result in value.results if isinstance(value, Steps) else (value,):
            outbox.put((True, result))
    except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
        outbox.put((False, error))
    outbox.put(None)
    courier.join()
    sender.close()


def _send_all(outbox: queue.SimpleQueue, sender) -> None:
    """Send the messages put in `outbox` until None, in order."""
    while (message := outbox.get()) is not None:
        try:
            sender.send(message)
        except BrokenPipeError:  # the other process went away: nobody waits for an answer
            return
        except Exception as error:  # noqa: BLE001 - say why instead (pickle refused a value)
            sender.send((False, RuntimeError(f"a build process could not answer: {error}")))
            return


def in_parallel(task: Callable[[int, int], T], parts: int) -> list[T]:
    """`task(part, parts)` for every part: part 0 here, the others in forked processes."""
    if parts > 1:
        release_free_memory()
    waiting = [in_background(lambda part=part: task(part, parts)) for part in range(1, parts)]
    try:
        here = task(0, parts)
    except BaseException:
        for result in waiting:  # let the others finish before the caller cleans up after them
            try:
                result()
            except BaseException:  # noqa: BLE001, S110 - the first error is the one raised
                pass
        raise
    return [here, *(result() for result in waiting)]


def release_free_memory() -> None:
    """Give the memory that this process freed back to the system, where the C library can
    (glibc's malloc_trim; elsewhere nothing is done). A forked process starts with every page
    of this one: at 50,000 papers the search files alone, written and freed, are 200 MB."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc
        pass


class Standby:
    """A forked process that gets ready (say, imports slow modules) while this one reads
    the content, then runs the one task it is sent, or ends when told it is not needed."""

    def __init__(self, prepare: Callable[[], object]):
        context = multiprocessing.get_context("fork")
        receiver, self._sender = context.Pipe(duplex=False)

        def serve() -> object:
            prepare()
            try:
                task = receiver.recv()
            except EOFError:  # this process went away
                return None
            return task() if task is not None else None

        self._result = in_background(serve)
        receiver.close()

    def run(self, task: Callable[[], T]) -> Running[T]:
        """Send the (picklable) task; the returned object waits for its results.

        Sending goes on in a thread: a large task fills the pipe, and the other process
        reads it only once it is ready (so it has read it all before it answers).
        """
        sender = self._sender

        def send() -> None:
            try:
                sender.send(task)
            except BrokenPipeError:  # it ended while getting ready: its answer says why
                pass
            sender.close()

        threading.Thread(target=send, daemon=True).start()
        return self._result

    def cancel(self) -> None:
        """Stop the process: it is not needed (and would take a core from the build)."""
        if not self._sender.closed:
            self._sender.close()
            self._result.kill()
