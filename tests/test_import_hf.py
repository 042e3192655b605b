"""Tests for the Hugging Face Daily Papers importer and the record YAML writer."""

from __future__ import annotations

import tempfile
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveysite.import_hf import (
    ImportReport,
    format_report,
    import_hf_papers,
    parse_hf_listing,
    source_name,
)
from surveysite.records_yaml import KEY_ORDER, RecordEditError, append_to_list, dump_record
from surveysite.slugs import is_safe_id

SEEDS = Path(__file__).resolve().parents[1] / "content" / "sources" / "hf-daily-papers"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
DAY = date(2026, 11, 23)
ABSTRACT = (
    "We study a thing at length. It is long enough to be an abstract and it ends with a "
    "period, as abstracts on the Daily Papers page do. We find that the thing works well."
)


def _listing(*papers: tuple[str, str], glued: bool = False) -> str:
    """Write a dump in the blank-line layout, or the glued no-blank-line one."""
    if glued:
        lines = ["Get trending papers in your email inbox!", "Subscribe" + papers[0][0]]
        lines += [papers[0][1], *(x for paper in papers[1:] for x in paper)]
        return "\n".join(lines) + "\n"
    header = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    header += "by AK and the research community\n\nMar 11\n\n"
    return header + "\n\n".join(x for paper in papers for x in paper)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- parse_hf_listing -----------------------------------------------------------------


def test_parse_blank_line_layout() -> None:
    text = _listing(("First Paper", ABSTRACT), ("Second: A Paper?", ABSTRACT))
    result = parse_hf_listing(text, "dump.txt")
    assert [(e.title, e.line, e.abstract_line) for e in result.entries] == [
        ("First Paper", 13, 15),
        ("Second: A Paper?", 17, 19),
    ]
    assert result.entries[0].abstract == ABSTRACT
    assert result.problems == []


def test_parse_glued_layout() -> None:
    text = _listing(
        ("Very Deep Convolutional Networks", ABSTRACT), ("ConvNets", ABSTRACT), glued=True
    )
    result = parse_hf_listing(text, "dump.txt")
    assert [(e.title, e.line) for e in result.entries] == [
        ("Very Deep Convolutional Networks", 2),
        ("ConvNets", 4),
    ]
    assert result.problems == []


def test_parse_reports_a_title_without_abstract() -> None:
    text = "Lonely Title\n\nGood Title\n\n" + ABSTRACT + "\n\nLast Title\n"
    result = parse_hf_listing(text, "d.txt")
    assert [e.title for e in result.entries] == ["Good Title"]
    assert result.problems == [
        "d.txt:1: title without an abstract: 'Lonely Title'",
        "d.txt:7: title without an abstract: 'Last Title'",
    ]


def test_parse_reports_an_abstract_without_title() -> None:
    text = f"{ABSTRACT}\nA Title\n{ABSTRACT}\n"
    result = parse_hf_listing(text, "d.txt")
    assert [e.line for e in result.entries] == [2]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("d.txt:1: text without a title: 'We study")


def test_parse_does_not_take_a_long_title_for_an_abstract() -> None:
    long_title = "A Very Long Title " * 12  # over 200 characters, no final period
    text = f"Title Without Abstract\n{long_title.strip()}\n{ABSTRACT}\n"
    result = parse_hf_listing(text, "d.txt")
    assert [e.title for e in result.entries] == [long_title.strip()]
    assert result.problems == ["d.txt:1: title without an abstract: 'Title Without Abstract'"]


def test_parse_short_abstract_that_ends_a_sentence() -> None:
    result = parse_hf_listing("Tiny\nA short abstract of one sentence.\n", "d.txt")
    assert [e.abstract for e in result.entries] == ["A short abstract of one sentence."]


def test_parse_skips_boilerplate_and_dates_anywhere() -> None:
    text = f"Daily Papers\nT1\n{ABSTRACT}\nMar 12\nSubscribe\nT2\n{ABSTRACT}\n"
    result = parse_hf_listing(text, "d.txt")
    assert [e.title for e in result.entries] == ["T1", "T2"]
    assert result.problems == []


@pytest.mark.parametrize("text", ["", "\n\n", "new\n\nSubscribe\n\nDaily Papers\n"])
def test_parse_reports_a_file_without_papers(text: str) -> None:
    result = parse_hf_listing(text, "empty.txt")
    assert result.entries == []
    assert result.problems == ["empty.txt:1: no papers found (expected title and abstract lines)"]


@pytest.mark.parametrize(("path", "count"), [(p, n) for p, n in zip(SEED_FILES, (53, 73, 181, 60))])
def test_parse_seed_files(path: Path, count: int) -> None:
    result = parse_hf_listing(path.read_text("utf-8"), str(path))
    assert len(result.entries) == count
    assert result.problems == []
    assert not any(e.title.startswith("Subscribe") for e in result.entries)


# --- records_yaml ---------------------------------------------------------------------


def test_dump_record_layout() -> None:
    record = {
        "notes": "line one\nline two\n",
        "zzz": "custom",
        "abstract": "word " * 60 + "end.",
        "sources": ["hf-daily-papers/000"],
        "added": DAY,
        "title": "A Title",
    }
    text = dump_record(record)
    assert text == textwrap.dedent(
        """\
        title: A Title
        added: 2026-11-23
        sources:
          - hf-daily-papers/000
        abstract: >-
          word word word word word word word word word word word word word word word word word
          word word word word word word word word word word word word word word word word word
          word word word word word word word word word word word word word word word word word
          word word word word word word word word word end.
        notes: |
          line one
          line two
        zzz: custom
        """
    )
    assert yaml.safe_load(text) == record


def test_dump_record_key_order() -> None:
    record = {k: f"value of {k}" for k in reversed(KEY_ORDER)} | {"extra": "x"}
    keys = [line.split(":")[0] for line in dump_record(record).splitlines()]
    assert keys == [*KEY_ORDER, "extra"]


def test_dump_record_wraps_long_text_near_88_columns() -> None:
    words = "representation learning with transformers and graph neural networks " * 20
    lines = dump_record({"title": "T", "abstract": words.strip()}).splitlines()
    assert max(len(line) for line in lines) <= 88
    assert sum(len(line) > 75 for line in lines) > 10


_ANY_VALUE = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list(" \n\t'\"#:-|>\\x"))),
    st.lists(st.text(), max_size=3),
    st.dates(),
    st.integers(),
)


@given(st.dictionaries(st.text(), _ANY_VALUE, max_size=6))
def test_dump_record_round_trips(fields: dict) -> None:
    assert yaml.safe_load(dump_record(fields)) == fields


@given(st.text(min_size=70), st.text())
def test_dump_record_round_trips_long_text(abstract: str, notes: str) -> None:
    fields = {"title": "T", "added": DAY, "abstract": abstract, "notes": notes}
    assert yaml.safe_load(dump_record(fields)) == fields


CURATED = """\
# Curated by hand.
title: Deep Residual Learning   # the classic
year: 2016
sources:
  - somewhere/else  # first seen here
abstract: |
  My own abstract.

notes: keep me
"""


def test_append_to_list_adds_one_line() -> None:
    text = append_to_list(CURATED, "sources", "hf-daily-papers/001")
    assert text == CURATED.replace(
        "  - somewhere/else  # first seen here\n",
        "  - somewhere/else  # first seen here\n  - hf-daily-papers/001\n",
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("title: T\nsources:\n- a\nz: 1\n", "title: T\nsources:\n- a\n- b\nz: 1\n"),
        ("title: T\nsources: [a]  # c\n", "title: T\nsources: [a, b]  # c\n"),
        ("title: T\nsources: []\n", "title: T\nsources: [b]\n"),
        ("title: T\nsources:\nz: 1\n", "title: T\nsources:\n  - b\nz: 1\n"),
        ("title: T\nz: 1", "title: T\nz: 1\nsources:\n  - b\n"),
        ("title: T\r\nsources:\r\n  - a\r\n", "title: T\r\nsources:\r\n  - a\r\n  - b\r\n"),
        ("title: T\nsources:\n  - a\n  - |\n    x\n\n# end\n", None),
    ],
)
def test_append_to_list_shapes(before: str, after: str | None) -> None:
    text = append_to_list(before, "sources", "b")
    if after is not None:
        assert text == after
    assert yaml.safe_load(text)["sources"][-1] == "b"


@pytest.mark.parametrize(
    "text",
    [
        "title: T\nsources: one\n",
        "title: T\nsources: {a: 1}\n",
        "- a list\n",
        "{title: T}\n",
        "title: [unclosed\n",
        "title: T\n...\n",
        "title: T\nsources:\n  - a\n---\nb: 1\n",
    ],
)
def test_append_to_list_refuses_unsafe_edits(text: str) -> None:
    with pytest.raises(RecordEditError):
        append_to_list(text, "sources", "b")


def test_append_to_list_quotes_when_needed() -> None:
    text = append_to_list("sources:\n  - a\n", "sources", "b: c # d")
    assert yaml.safe_load(text) == {"sources": ["a", "b: c # d"]}


# --- import_hf_papers on the real seeds -----------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    papers = tmp_path_factory.mktemp("papers")
    return papers, import_hf_papers(SEED_FILES, papers, added=DAY)


def test_seed_import_counts(seeded: tuple[Path, ImportReport]) -> None:
    papers, report = seeded
    assert len(list(papers.glob("*.yaml"))) == 329
    assert len(set(report.added)) == len(report.added) == 329
    assert len(report.merged) == 38  # 367 entries: 22 papers in two dumps, 8 in three
    assert report.unchanged == [] and report.problems == [] and report.files_failed == []
    assert sorted(p.stem for p in papers.glob("*.yaml")) == sorted(report.added)
    assert all(is_safe_id(i) for i in report.added)
    assert list(papers.glob(".*")) == []  # no temporary files left


def test_seed_import_sources(seeded: tuple[Path, ImportReport]) -> None:
    papers, _ = seeded
    counts = {}
    for path in papers.glob("*.yaml"):
        sources = _load(path)["sources"]
        assert len(set(sources)) == len(sources)
        counts[len(sources)] = counts.get(len(sources), 0) + 1
    assert counts == {1: 299, 2: 22, 3: 8}
    record = _load(
        papers / "configurable-foundation-models-building-llms-from-a-modular-perspective.yaml"
    )
    assert record["sources"] == [
        "hf-daily-papers/000_aec994143a23d8b7",
        "hf-daily-papers/003_895ac3c92ea5bce5",
    ]
    assert record["added"] == DAY
    assert list(record) == ["title", "added", "sources", "abstract"]


def test_seed_import_leaves_no_tex(seeded: tuple[Path, ImportReport]) -> None:
    papers, _ = seeded
    for path in papers.glob("*.yaml"):
        record = _load(path)
        for leftover in ("\\'", '\\"', "``", "''", "\\%", "\\emph", "$", "{\\"):
            assert leftover not in record["title"], path
            assert leftover not in record["abstract"], path


KNOWN_TITLES = {
    "frechet-cumulative-covariance-net-for-deep-nonlinear-sufficient-dimension": (
        "Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension "
        "Reduction with Random Objects"
    ),
    "certified-l-2-attribution-robustness-via-uniformly-smoothed-attributions": (
        "Certified ℓ_2 Attribution Robustness via Uniformly Smoothed Attributions"
    ),
    "eau-de-q-network-adaptive-distillation-of-neural-networks-in-deep-reinforcement": (
        "Eau De Q-Network: Adaptive Distillation of Neural Networks in Deep Reinforcement Learning"
    ),
    "representational-capacity-of-deep-neural-networks-a-computing-study": (
        "Representational Capacity of Deep Neural Networks \u2013 A Computing Study"
    ),
}


@pytest.mark.parametrize(("stem", "title"), KNOWN_TITLES.items())
def test_seed_import_cleans_known_titles(
    seeded: tuple[Path, ImportReport], stem: str, title: str
) -> None:
    assert _load(seeded[0] / f"{stem}.yaml")["title"] == title


@pytest.mark.parametrize(
    "fragment",
    [
        "measure termed Fréchet Cumulative Covariance (FCCov)",
        "one of the first \u201cdeep\u201d learning methods",
        "spent on compression of the input",
        "an apparently naïve ensembling technique",
        "compute the Möbius function of an interval",
        "a quantity Ψ to analyze",
        "under 3% performance drop",
        "(e.g., SVD) frequently rely",
        "a \u2018sufficient statistic\u2019 subgraph",
        "152 layers\u20148x deeper",
        "errors below O(10^{-5}) even",
        "w_{min}=max{d_x+1,d_y}",
    ],
)
def test_seed_import_cleans_known_abstracts(
    seeded: tuple[Path, ImportReport], fragment: str
) -> None:
    papers, _ = seeded
    hits = [p for p in papers.glob("*.yaml") if fragment in _load(p)["abstract"]]
    assert hits, fragment


def test_seed_import_warns_about_leftovers(seeded: tuple[Path, ImportReport]) -> None:
    warnings = "\n".join(seeded[1].warnings)
    assert '002_c247f873a34bfe30.txt:48: abstract: TeX "\\mtimes" kept as is' in warnings
    assert "'wang2018haq' looks like a citation key" in warnings


def test_second_import_changes_nothing(tmp_path: Path) -> None:
    import_hf_papers(SEED_FILES, tmp_path, added=DAY)
    before = _snapshot(tmp_path)
    report = import_hf_papers(SEED_FILES, tmp_path, added=date(2030, 1, 1))
    assert (len(report.added), len(report.merged), len(report.unchanged)) == (0, 0, 367)
    assert report.problems == [] and report.warnings == []
    assert _snapshot(tmp_path) == before


def test_curated_record_keeps_its_text_and_gains_the_source(tmp_path: Path) -> None:
    first, *_, last = SEED_FILES  # the Configurable Foundation Models paper is in both
    import_hf_papers([first], tmp_path, added=DAY)
    path = tmp_path / "configurable-foundation-models-building-llms-from-a-modular-perspective.yaml"
    curated = (
        "# Reviewed by the curator.\n"
        "title: 'Configurable foundation models: building LLMs from a modular perspective'\n"
        "year: 2024  # arXiv v1\n"
        "topics: [modularity]\n"
        f"sources:\n  - {source_name(first)}\n"
        "abstract: >\n  My own shorter abstract.\n"
        "notes: |\n  Keep this note.\n"
    )
    path.write_text(curated, encoding="utf-8")
    report = import_hf_papers([first, last], tmp_path, added=date(2030, 1, 1))
    assert path.stem in report.merged and report.problems == []
    expected = curated.replace(
        f"  - {source_name(first)}\n", f"  - {source_name(first)}\n  - {source_name(last)}\n"
    )
    assert path.read_text(encoding="utf-8") == expected
    assert _load(path)["abstract"] == "My own shorter abstract.\n"


def test_record_that_cannot_be_edited_is_reported_not_rewritten(tmp_path: Path) -> None:
    dump = _write(tmp_path / "in", "d1.txt", _listing(("Deep Residual Learning", ABSTRACT)))
    record = _write(
        tmp_path / "papers", "resnet.yaml", "title: Deep residual learning\nsources: x\n"
    )
    report = import_hf_papers([dump], tmp_path / "papers", added=DAY)
    assert report.added == [] and report.merged == []
    assert report.problems == [
        f"{record}:1: cannot add source hf-daily-papers/d1: sources is not a list"
    ]
    assert record.read_text() == "title: Deep residual learning\nsources: x\n"


def test_matching_ignores_case_punctuation_and_tex(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    _write(papers, "my-id.yaml", "title: FRÉCHET nets -- a study\nsources:\n  - old\n")
    dump = _write(tmp_path, "d1.txt", _listing(("Fr\\'echet Nets: A Study", ABSTRACT)))
    report = import_hf_papers([dump], papers, added=DAY)
    assert report.merged == ["my-id"]
    assert _load(papers / "my-id.yaml")["sources"] == ["old", "hf-daily-papers/d1"]


def test_id_collision_with_a_different_paper_gets_a_suffix(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    _write(papers, "deep-nets.yaml", "title: Something else entirely\n")
    _write(papers, "deep-nets-2.yaml", "not: [valid\n")
    dump = _write(tmp_path, "d.txt", _listing(("Deep Nets", ABSTRACT), ("Deep Nets!", ABSTRACT)))
    report = import_hf_papers([dump], papers, added=DAY)
    assert report.added == ["deep-nets-3"]
    assert report.unchanged == ["deep-nets-3"]  # the same paper twice in one dump
    assert report.problems[0].startswith(f"{papers / 'deep-nets-2.yaml'}:2: invalid YAML")
    assert _load(papers / "deep-nets-3.yaml")["title"] == "Deep Nets"


def test_failed_files_are_reported(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.txt", _listing(("A Paper", ABSTRACT)))
    empty = _write(tmp_path, "empty.txt", "new\n\nSubscribe\n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"Title\n\xff\xfe broken\n")
    missing = tmp_path / "missing.txt"
    report = import_hf_papers([good, empty, binary, missing], tmp_path / "papers", added=DAY)
    assert report.added == ["a-paper"]
    assert report.files_failed == [str(empty), str(binary), str(missing)]
    assert f"{binary}:2: not UTF-8 text (invalid start byte)" in report.problems
    summary = format_report(report)
    assert summary.startswith("Imported Hugging Face Daily Papers: 1 added, 0 merged")
    assert f"  {empty}:1: no papers found" in summary
    assert f"Files that could not be imported:\n  {empty}" in summary


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=8)
_TITLE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join).map(str.title)
_TITLE_TEX = st.sampled_from(["", " with $\\alpha$", " via Fr\\'echet", " -- a ``Study''"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_TITLE, _TITLE_TEX), min_size=1, max_size=8), st.booleans())
def test_importing_a_generated_listing_twice_changes_nothing(
    titles: list[tuple[str, str]], glued: bool
) -> None:
    papers = [(t + tex, ABSTRACT) for t, tex in titles]
    with tempfile.TemporaryDirectory() as tmp:
        dump = _write(Path(tmp), "gen.txt", _listing(*papers, glued=glued))
        first = import_hf_papers([dump], Path(tmp) / "papers", added=DAY)
        assert first.problems == [] and first.files_failed == []
        before = _snapshot(Path(tmp) / "papers")
        assert len(before) == len(first.added)
        second = import_hf_papers([dump], Path(tmp) / "papers", added=DAY)
        assert second.added == [] and second.merged == []
        assert len(second.unchanged) == len(papers)
        assert _snapshot(Path(tmp) / "papers") == before
