"""Builds in two processes write exactly what one process writes, and report errors the same."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import pytest

from surveysite import build_site
from surveysite.build_site import Project, build
from surveysite.parallel import (
    Standby,
    Steps,
    WorkerDied,
    in_background,
    in_parallel,
    release_free_memory,
    workers,
)
from surveysite.problems import ContentError, Problem


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def elsewhere(project: Project, folder: Path) -> Project:
    return Project(project.root, project.content, project.templates, project.static, folder)


@pytest.fixture
def two_processes(monkeypatch):
    """Even the small fixture survey is built in two processes."""
    monkeypatch.setenv("SURVEYSITE_WORKERS", "2")
    monkeypatch.setattr(build_site, "PARALLEL_MIN_PAPERS", 1)


def test_two_processes_write_what_one_writes(project, tmp_path, monkeypatch, two_processes):
    build(project, incremental=False)
    monkeypatch.setenv("SURVEYSITE_WORKERS", "1")
    single = elsewhere(project, tmp_path / "single")
    build(single, incremental=False)
    assert tree(project.output) == tree(single.output)


def test_incremental_edit_in_two_processes(project, tmp_path, two_processes):
    build(project)
    path = project.content / "papers" / "pruning-lottery-tickets.yaml"
    path.write_text(path.read_text().replace("Sparse subnetworks", "Sparse sub-networks"))
    build(project)
    full = elsewhere(project, tmp_path / "full")
    build(full, incremental=False)
    assert tree(project.output) == tree(full.output)


def test_template_error_in_the_second_process(project, two_processes):
    build(project)
    before = tree(project.output)
    template = project.templates / "paper.html"
    template.write_text(
        template.read_text().replace("{{ paper.title }}", "{{ paper.no_such_field }}", 1)
    )
    with pytest.raises(ContentError) as raised:
        build(project)
    [problem] = raised.value.problems
    assert problem.path == "templates/paper.html" and problem.line > 0
    assert "no_such_field" in problem.message
    assert tree(project.output) == before
    assert not list(project.output.parent.glob(".site-*"))


def test_error_only_in_the_second_process(project, monkeypatch, two_processes):
    build(project)
    before = tree(project.output)
    (project.content / "papers" / "pruning-lottery-tickets.yaml").write_text(
        "title: New\nabstract: New.\n"
    )
    parent, render = os.getpid(), build_site.render_page

    def fail_in_child(*args):
        if os.getpid() != parent:
            raise ContentError([Problem("templates/paper.html", 7, "", "broken in the child")])
        return render(*args)

    monkeypatch.setattr(build_site, "render_page", fail_in_child)
    with pytest.raises(ContentError, match="broken in the child"):
        build(project)
    assert tree(project.output) == before
    assert not list(project.output.parent.glob(".site-*"))


def test_a_task_error_is_raised_by_the_waiting_side():
    def fail() -> None:
        raise ValueError("bad input 42")

    result = in_background(fail)
    with pytest.raises(ValueError, match="bad input 42"):
        result()


def test_a_killed_worker_is_reported():
    result = in_background(lambda: os._exit(3))
    with pytest.raises(WorkerDied, match="exit code 3"):
        result()


def test_parts_run_in_separate_processes():
    answers = in_parallel(lambda part, parts: (part, parts, os.getpid()), 3)
    assert [a[:2] for a in answers] == [(0, 3), (1, 3), (2, 3)]
    assert answers[0][2] == os.getpid() and len({a[2] for a in answers}) == 3


def test_workers_setting(monkeypatch):
    monkeypatch.setenv("SURVEYSITE_WORKERS", "1")
    assert workers() == 1
    monkeypatch.setenv("SURVEYSITE_WORKERS", "nonsense")
    assert 1 <= workers() <= 2


def test_a_standby_process_runs_the_task_it_is_sent(tmp_path):
    ready = tmp_path / "ready"
    standby = Standby(lambda: ready.write_text("imported"))
    result = standby.run(functools.partial(divmod, 17, 5))
    assert result() == (3, 2)
    assert ready.read_text() == "imported"


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_standby_process_that_fails_to_get_ready_raises_its_error_when_waited_for():
    def fail() -> None:
        raise ValueError("could not import")

    standby = Standby(fail)
    time.sleep(0.5)  # it has failed, and is gone, before the task is sent
    result = standby.run(functools.partial(len, bytes(1_000_000)))
    with pytest.raises(ValueError, match="could not import"):
        result()


def test_a_standby_process_that_is_not_needed_is_stopped_at_once(tmp_path):
    import signal
    import time

    standby = Standby(lambda: time.sleep(600))  # still getting ready: stopped, not awaited
    standby.cancel()
    standby.cancel()  # twice is harmless
    process = standby._result.process
    assert not process.is_alive() and process.exitcode == -signal.SIGKILL


def test_the_real_survey_in_two_processes_with_a_standby(tmp_path, monkeypatch):
    """The real survey (over PARALLEL_MIN_PAPERS) computes its related papers in the
    standby process; the site equals a one-process build."""
    from tests.conftest import REPO

    monkeypatch.setenv("SURVEYSITE_WORKERS", "2")
    two = Project.at(REPO, output=tmp_path / "two")
    assert build_site.likely_parallel(two.content)
    build(two, incremental=False)
    monkeypatch.setenv("SURVEYSITE_WORKERS", "1")
    one = Project.at(REPO, output=tmp_path / "one")
    assert not build_site.likely_parallel(one.content)
    build(one, incremental=False)
    assert tree(two.output) == tree(one.output)


def test_a_task_can_hand_over_its_results_one_at_a_time(tmp_path):
    go_on = tmp_path / "go on"

    def results():
        yield "first"
        while not go_on.exists():  # the second result waits until the first was taken
            time.sleep(0.01)
        yield "second"

    running = in_background(lambda: Steps(results()))
    assert running.next() == "first"
    assert not running.ready()
    go_on.touch()
    assert running() == "second"
    assert not running.process.is_alive()


def test_a_task_goes_on_while_its_large_first_result_waits_to_be_read(tmp_path):
    """The related papers of a large survey fill the pipe many times over, and this process
    reads them only when its pages need them: the map is computed meanwhile."""
    second = tmp_path / "second begun"

    def results():
        yield bytes(5_000_000)
        second.touch()
        yield "second"

    running = in_background(lambda: Steps(results()))
    deadline = time.monotonic() + 20
    while not second.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert second.exists()
    assert len(running.next()) == 5_000_000
    assert running() == "second"


def test_a_result_that_cannot_be_sent_is_an_error_when_waited_for():
    running = in_background(lambda: Steps(iter([1, lambda: None])))
    assert running.next() == 1
    with pytest.raises(RuntimeError, match="could not answer: .*pickle"):
        running()

    def fail() -> None:
        raise ValueError(lambda: None)  # an error that cannot be sent either

    with pytest.raises(RuntimeError, match="could not answer: .*pickle"):
        in_background(fail)()


def test_an_error_after_a_first_result_is_raised_by_the_next_wait():
    def results():
        yield 1
        raise ValueError("the second went wrong")

    running = in_background(lambda: Steps(results()))
    assert running.next() == 1
    with pytest.raises(ValueError, match="the second went wrong"):
        running()


class Late:
    """The similarity stage, never ready before it is waited for (a slow second process)."""

    def __init__(self, similar: build_site.Similarity, asked: list[str]) -> None:
        self.similar, self.asked = similar, asked

    def ready(self) -> bool:
        return False

    def related(self) -> dict:
        self.asked.append("related")
        return self.similar.related()

    def positions(self) -> dict:
        self.asked.append("positions")
        return self.similar.positions()


def test_pages_are_made_while_the_similarity_stage_runs(project, tmp_path, monkeypatch):
    """While the related papers are computed, the pages that show nothing of them are made;
    while the map's positions are, every page but the map; the site is the same."""
    monkeypatch.setenv("SURVEYSITE_WORKERS", "1")  # pages made here, in the order recorded
    events: list[str] = []
    start, render = build_site.start_similarity, build_site.render_page
    monkeypatch.setattr(build_site, "start_similarity", lambda *a: Late(start(*a), events))
    monkeypatch.setattr(
        build_site, "render_page", lambda env, page: events.append(page.url) or render(env, page)
    )
    build(project, incremental=False)
    related = events.index("related")
    before, after = events[:related], events[related + 1 :]
    assert "" in before and "papers/" in before and "topics/spiking/" in before
    assert not [url for url in before if url.startswith("papers/") and url != "papers/"]
    positions = after.index("positions")
    assert [url for url in after[:positions] if url.startswith("papers/")]
    assert after[positions:] == ["positions", "map/"]  # however large the survey
    assert len(set(before + after)) == len(before + after) == len(events) - 1
    monkeypatch.undo()
    usual = elsewhere(project, tmp_path / "usual")
    build(usual, incremental=False)
    assert tree(project.output) == tree(usual.output)


def resident_bytes() -> int:
    """This process's resident set."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_freed_before_a_fork_goes_back_to_the_system():
    """Files written and freed (many small byte strings, as search shards) stay resident until
    given back, and a forked process would start with them."""
    files, kept = [], []
    for n in range(40_000):  # 120 MB, with objects that stay alive in between
        files.append(bytes(3000) + bytes([n % 256]))
        if n % 50 == 0:
            kept.append(bytes(600) + bytes([n % 256]))
    del files
    before = resident_bytes()
    release_free_memory()
    assert before - resident_bytes() > 60_000_000
    assert len(kept) == 800
