"""The BibTeX, arXiv and CSL-JSON importers: messy real-world files, merging, near-duplicates."""

from __future__ import annotations

import socket
import tempfile
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveysite.build_site import build
from surveysite.cite_formats import bibtex, csl_item
from surveysite.import_arxiv import import_arxiv, parse_xml
from surveysite.import_bibtex import bib_names, bib_text, evaluate, import_bibtex, unbrace
from surveysite.import_common import add_fields, format_report
from surveysite.import_csl import csl_name, import_csl, json_items
from surveysite.import_hf import import_hf_papers
from surveysite.load_content import load_content
from surveysite.records import Paper
from surveysite.records_yaml import RecordEditError
from surveysite.slugs import normalize_title
from surveysite.validate import validate
from tests.conftest import REPO, write_content

FIXTURES = Path(__file__).parent / "fixtures" / "import"
MESSY = FIXTURES / "messy.bib"
ARXIV = FIXTURES / "arxiv-response.xml"
ZOTERO = FIXTURES / "zotero.json"
DAY = date(2026, 3, 1)
ABSTRACT = "We study a thing at length and find that it works well in practice."


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _check_accepts(papers_dir: Path) -> None:
    """The records pass every stage of `python build.py check`."""
    project = write_content(papers_dir.parent.parent, papers={}, topics={})
    assert project.content / "papers" == papers_dir
    build(project, write=False, strict=True)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importers never reach the network: any socket use fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("an importer tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def papers_dir(tmp_path: Path) -> Path:
    return tmp_path / "project" / "content" / "papers"


# --- BibTeX values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Attention Is All You {{Need}}", "Attention Is All You Need"),
        ("Deep {R}esidual {L}earning", "Deep Residual Learning"),
        ('Schr{\\"o}dinger and M\\"{u}ller', "Schrödinger and Müller"),
        ("{\\v{S}}koda and {\\L}ukasz", "Škoda and Łukasz"),
        ("\\emph{Very} deep $O(n^{2})$ nets", "Very deep O(n^2) nets"),
        ("{GPT}-4 \\{braces\\} 50\\% R\\&D \\#1 a\\_b", "GPT-4 {braces} 50% R&D #1 a_b"),
        (
            "a -{}- b, n\\textasciicircum{}2, x\\textasciitilde{}y, \\textbackslash{}",
            "a -- b, n^2, x~y, \\",
        ),
        ("{\\em BERT}: pre-training", "BERT: pre-training"),
        ("Caf\\'e \\'{E}cole na\\\"ive", "Café École naïve"),
        ("  spread\n   over   lines  ", "spread over lines"),
        ("1--2 and 3---4", "1–2 and 3—4"),
    ],
)
def test_bib_text(raw: str, text: str) -> None:
    assert bib_text(raw) == (text, [])


def test_unbrace_keeps_macro_arguments_and_math() -> None:
    assert unbrace("\\frac{a}{b} {x} $\\mathbb{R}^{n}$") == "\\frac{a}{b} x $\\mathbb{R}^{n}$"


def test_evaluate_macros_months_and_concatenation() -> None:
    macros = {"nips": "Advances in NIPS"}
    assert evaluate('nips # " 30"', macros) == ("Advances in NIPS 30", [])
    assert evaluate("dec", macros) == ("December", [])
    assert evaluate("{a {b} c} # 2017", macros) == ("a {b} c2017", [])
    assert evaluate("undefined # {x}", macros) == ("x", ["undefined"])


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Vaswani, Ashish and Shazeer, Noam", ["Ashish Vaswani", "Noam Shazeer"]),
        ("Ashish Vaswani AND Noam Shazeer and others", ["Ashish Vaswani", "Noam Shazeer"]),
        (
            "{Google Brain Team} and {Research and Development}",
            ["Google Brain Team", "Research and Development"],
        ),
        ("van der Berg, Jan and Doe, Jr., John", ["Jan van der Berg", "John Doe, Jr."]),
        ('M{\\"u}ller, J{\\"u}rgen', ["Jürgen Müller"]),
        ("", []),
    ],
)
def test_bib_names(value: str, names: list[str]) -> None:
    assert bib_names(value) == (names, [])


# --- the messy file -------------------------------------------------------------------


def test_messy_bib_imports_what_it_can(papers_dir: Path) -> None:
    report = import_bibtex([MESSY], papers_dir, added=DAY)
    assert sorted(report.added) == [
        "attention-is-all-you-need",
        "bert-pre-training-of-deep-bidirectional-transformers-for-language-understanding",
        "deep-learning-in-neural-networks-an-overview",
        "deep-residual-learning-for-image-recognition",
        "graph-attention-networks",
        "layer-normalization-in-practice",
    ]
    problems = "\n".join(report.problems)
    for expected in [
        f"{MESSY}:44: malformed entry '@article{{broken2020'",
        f"{MESSY}:84: a second entry with the key 'he2015resnet'; entry skipped",
        f"{MESSY}:108: malformed entry 'ungrouped': field 'title': unbalanced braces",
        f"{MESSY}:113: entry without a title; skipped",
        f"{MESSY}:63: skipped 'Adam: A Method for Stochastic Optimization': no abstract",
        f"{MESSY}:102: skipped 'An Entry Without an Abstract': no abstract",
    ]:
        assert expected in problems
    assert len(report.problems) == 6
    assert report.warnings == [
        f"{MESSY}:75: field 'booktitle': unknown @string macro 'iclr', left out"
    ]
    assert report.files_failed == []
    _check_accepts(papers_dir)


def test_messy_bib_fields(papers_dir: Path) -> None:
    import_bibtex([MESSY], papers_dir, added=DAY)
    attention = _load(papers_dir / "attention-is-all-you-need.yaml")
    assert attention["title"] == "Attention is All you Need"
    assert attention["authors"][6] == "Łukasz Kaiser" and len(attention["authors"]) == 8
    assert attention["year"] == 2017 and attention["arxiv"] == "1706.03762"
    assert attention["venue"] == "Advances in Neural Information Processing Systems 30"
    assert "the Transformer, based solely" in attention["abstract"]
    assert attention["sources"] == ["bibtex/messy"] and attention["added"] == DAY
    overview = _load(papers_dir / "deep-learning-in-neural-networks-an-overview.yaml")
    assert overview["authors"] == ["Jürgen Schmidhuber"]
    assert (
        overview["doi"] == "10.1016/j.neunet.2014.09.003" and overview["venue"] == "Neural Networks"
    )
    resnet = _load(papers_dir / "deep-residual-learning-for-image-recognition.yaml")
    assert resnet["arxiv"] == "1512.03385" and "url" not in resnet  # the arXiv link is derived
    assert "152 layers—8× deeper" in resnet["abstract"]
    gat = _load(papers_dir / "graph-attention-networks.yaml")
    assert gat["authors"] == ["Petar Veličković", "Guillem Cucurull"] and gat["year"] == 2018
    assert "venue" not in gat
    crossref = _load(papers_dir / "layer-normalization-in-practice.yaml")
    assert crossref["authors"] == ["Google Brain Team"] and crossref["year"] == 2016
    assert crossref["venue"] == "Proceedings of the Workshop on Normalisation"
    assert "50% fewer steps & no batch" in crossref["abstract"]
    bert = _load(
        papers_dir
        / "bert-pre-training-of-deep-bidirectional-transformers-for-language-understanding.yaml"
    )
    assert (
        bert["url"] == "https://aclanthology.org/N19-1423" and bert["doi"] == "10.18653/v1/N19-1423"
    )
    assert not (papers_dir / "proceedings-of-the-workshop-on-normalisation.yaml").exists()


def test_reimport_changes_nothing(papers_dir: Path) -> None:
    import_bibtex([MESSY], papers_dir, added=DAY)
    before = _snapshot(papers_dir)
    report = import_bibtex([MESSY], papers_dir, added=date(2030, 1, 1))
    assert report.added == [] and report.merged == [] and len(report.unchanged) == 6
    assert _snapshot(papers_dir) == before


def test_bad_files_are_reported_and_the_rest_imported(tmp_path: Path, papers_dir: Path) -> None:
    latin1 = tmp_path / "latin1.bib"
    latin1.write_bytes(b"@misc{a,\n  title = {Caf\xe9},\n}\n")
    empty = _write(tmp_path, "empty.bib", "% nothing here\n")
    missing = tmp_path / "missing.bib"
    report = import_bibtex([latin1, empty, MESSY, missing], papers_dir, added=DAY)
    assert len(report.added) == 6
    assert report.files_failed == [str(latin1), str(empty), str(missing)]
    assert f"{latin1}:2: not UTF-8 text (invalid continuation byte)" in report.problems
    assert f"{empty}:1: no BibTeX entries found" in report.problems
    summary = format_report(report, "BibTeX")
    assert summary.startswith("Imported BibTeX: 6 added, 0 merged, 0 unchanged;")
    assert f"Files that could not be imported:\n  {latin1}" in summary


# --- merging into curated records ------------------------------------------------------


CURATED = """\
    # Reviewed by the curator.
    title: The attention paper, as I call it
    arxiv: "1706.03762"
    year: 2016  # the curator's choice
    topics: [transformers]
    added: 2025-01-01
    sources:
      - hand
    abstract: >
      My own abstract.
    notes: |
      Keep this note.
    """


def test_merge_keeps_curated_fields_and_adds_missing_ones(papers_dir: Path) -> None:
    record = _write(papers_dir, "attention.yaml", CURATED)
    report = import_bibtex([MESSY], papers_dir, added=DAY)
    assert report.merged == ["attention"] and "attention-is-all-you-need" not in report.added
    text = record.read_text(encoding="utf-8")
    assert text.startswith("# Reviewed by the curator.\ntitle: The attention paper, as I call it\n")
    assert "  - hand\n  - bibtex/messy\n" in text
    assert "year: 2016  # the curator's choice\n" in text and "Keep this note." in text
    data = _load(record)
    assert (
        data["title"] == "The attention paper, as I call it"
        and data["abstract"] == "My own abstract.\n"
    )
    assert data["year"] == 2016  # kept; the difference is reported
    assert data["authors"][0] == "Ashish Vaswani" and data["venue"].startswith("Advances")
    assert list(data) == [
        "title",
        "authors",
        "venue",
        "arxiv",
        "year",
        "topics",
        "added",
        "sources",
        "abstract",
        "notes",
    ]
    assert any("year: kept 2016 of" in w and "the file says 2017" in w for w in report.warnings)
    again = import_bibtex([MESSY], papers_dir, added=DAY)
    assert "attention" in again.unchanged and again.merged == []


def test_merge_by_doi_and_by_title(papers_dir: Path) -> None:
    by_doi = _write(
        papers_dir,
        "overview.yaml",
        "title: Schmidhuber's overview\ndoi: 10.1016/J.NEUNET.2014.09.003\nabstract: x.\n",
    )
    by_title = _write(
        papers_dir,
        "resnet.yaml",
        "title: 'Deep residual learning for image recognition!'\nabstract: y.\n",
    )
    report = import_bibtex([MESSY], papers_dir, added=DAY)
    assert sorted(report.merged) == ["overview", "resnet"]
    assert _load(by_doi)["title"] == "Schmidhuber's overview"
    assert _load(by_title)["arxiv"] == "1512.03385"
    assert _load(by_title)["sources"] == ["bibtex/messy"]


def test_entry_without_abstract_still_merges(papers_dir: Path) -> None:
    adam = _write(
        papers_dir,
        "adam.yaml",
        "title: 'Adam: a method for stochastic optimization'\nabstract: z.\n",
    )
    report = import_bibtex([MESSY], papers_dir, added=DAY)
    assert "adam" in report.merged
    assert _load(adam)["arxiv"] == "1412.6980" and _load(adam)["authors"] == [
        "Diederik P. Kingma",
        "Jimmy Ba",
    ]


def test_conflicting_matches_are_reported_not_merged(papers_dir: Path) -> None:
    _write(papers_dir, "a.yaml", 'title: Something else\narxiv: "1512.03385"\nabstract: x.\n')
    _write(
        papers_dir, "b.yaml", "title: Deep Residual Learning for Image Recognition\nabstract: y.\n"
    )
    report = import_bibtex([MESSY], papers_dir, added=DAY)
    assert any("matches" in p and "a.yaml" in p and "b.yaml" in p for p in report.problems)
    assert "a" not in report.merged and "b" not in report.merged


def test_add_fields_is_a_minimal_edit() -> None:
    text = "# top\ntitle: T\n# about the sources\nsources: [a]\nabstract: A.\n"
    new = add_fields(text, {"year": 2020, "authors": ["X Y"]})
    assert (
        new
        == "# top\ntitle: T\nauthors:\n  - X Y\nyear: 2020\n# about the sources\nsources: [a]\nabstract: A.\n"
    )
    assert add_fields("title: T\nnotes: n\n", {"zzz": 1}) == "title: T\nnotes: n\nzzz: 1\n"
    with pytest.raises(RecordEditError):
        add_fields("{title: T}", {"year": 2020})
    with pytest.raises(RecordEditError):
        add_fields("title: T\nyear: 1999\n", {"year": 2020})


# --- near-duplicates --------------------------------------------------------------------


def _bib(*titles: str) -> str:
    return "".join(
        f"@misc{{k{n},\n  title = {{{t}}},\n  abstract = {{{ABSTRACT}}},\n}}\n\n"
        for n, t in enumerate(titles)
    )


@pytest.mark.parametrize(
    "title",
    [
        "Scaling Laws for Neural Language Models v2",
        "Scaling Laws for Neural Language Model",
        "Scaling Laws for Large Neural Language Models",
        "Scaling Laws for Neural Language Models 2.0",
    ],
)
def test_near_duplicates_are_added_and_reported(
    tmp_path: Path, papers_dir: Path, title: str
) -> None:
    kept = _write(
        papers_dir,
        "scaling.yaml",
        f"title: Scaling Laws for Neural Language Models\nabstract: {ABSTRACT}\n",
    )
    source = _write(tmp_path, "refs.bib", _bib(title))
    report = import_bibtex([source], papers_dir, added=DAY)
    assert len(report.added) == 1 and report.merged == []
    new = papers_dir / f"{report.added[0]}.yaml"
    [note] = report.near_duplicates
    assert f"{source}:1: added {new}" in note and str(kept) in note and title in note
    assert "Scaling Laws for Neural Language Models'" in note
    # The curator decides they are one paper: delete the new record, keep the source on the old.
    new.unlink()
    kept.write_text(kept.read_text() + "sources: [bibtex/refs]\n")
    before = _snapshot(papers_dir)
    again = import_bibtex([source], papers_dir, added=DAY)
    assert again.added == [] and again.unchanged == ["scaling"] and again.near_duplicates == []
    assert _snapshot(papers_dir) == before


def test_different_papers_in_one_file_are_both_added(tmp_path: Path, papers_dir: Path) -> None:
    source = _write(
        tmp_path, "refs.bib", _bib("Deep Nets for Vision Tasks", "Deep Nets for Speech Tasks")
    )
    report = import_bibtex([source], papers_dir, added=DAY)
    assert len(report.added) == 2 and len(report.near_duplicates) == 1
    again = import_bibtex([source], papers_dir, added=DAY)
    assert again.added == [] and len(again.unchanged) == 2


def test_short_different_titles_are_not_near_duplicates(tmp_path: Path, papers_dir: Path) -> None:
    source = _write(
        tmp_path, "refs.bib", _bib("Attention Is All You Need", "Attention Is Not Explanation")
    )
    report = import_bibtex([source], papers_dir, added=DAY)
    assert len(report.added) == 2 and report.near_duplicates == []


# --- arXiv ----------------------------------------------------------------------------


def test_arxiv_response(papers_dir: Path) -> None:
    report = import_arxiv([ARXIV], papers_dir, added=DAY)
    assert sorted(report.added) == [
        "attention-is-all-you-need",
        "lora-low-rank-adaptation-of-large-language-models",
        "on-the-schodinger-functional-in-n-4-theories",
    ]
    assert report.problems == [f"{ARXIV}:71: entry without a <title>; skipped"]
    attention = _load(papers_dir / "attention-is-all-you-need.yaml")
    assert attention["arxiv"] == "1706.03762" and attention["year"] == 2017
    assert attention["authors"] == ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"]
    assert attention["venue"] == "Advances in Neural Information Processing Systems 30 (NIPS 2017)"
    assert attention["abstract"].startswith("The dominant sequence transduction models are based")
    assert "pdf" not in attention and attention["sources"] == ["arxiv/arxiv-response"]
    lora = _load(papers_dir / "lora-low-rank-adaptation-of-large-language-models.yaml")
    assert "doi" not in lora  # arXiv's own DOI restates the id
    assert "using rank r ≪ d updates." in lora["abstract"]
    old = _load(papers_dir / "on-the-schodinger-functional-in-n-4-theories.yaml")
    assert (
        old["arxiv"] == "hep-th/9901001"
        and old["title"] == "On the Schödinger Functional in 𝒩=4 Theories"
    )
    assert "with “elementary” means." in old["abstract"]
    _check_accepts(papers_dir)
    before = _snapshot(papers_dir)
    assert len(import_arxiv([ARXIV], papers_dir, added=DAY).unchanged) == 3
    assert _snapshot(papers_dir) == before


def test_arxiv_merges_with_a_bibtex_import(papers_dir: Path) -> None:
    import_bibtex([MESSY], papers_dir, added=DAY)
    report = import_arxiv([ARXIV], papers_dir, added=DAY)
    assert "attention-is-all-you-need" in report.merged
    record = _load(papers_dir / "attention-is-all-you-need.yaml")
    assert record["sources"] == ["bibtex/messy", "arxiv/arxiv-response"]
    assert record["title"] == "Attention is All you Need"  # the first import's text stays


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<feed xmlns='http://www.w3.org/2005/Atom'>\n<entry>\n</feed>",
            ":3: not well-formed XML: mismatched tag",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x "y">]>\n<feed/>',
            ":2: not well-formed XML: a DOCTYPE is not allowed",
        ),
        ("<html/>", ":1: not an arXiv API response"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'/>", ":1: no <entry> in the feed"),
    ],
)
def test_arxiv_bad_files(tmp_path: Path, papers_dir: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "bad.xml", text)
    report = import_arxiv([path], papers_dir, added=DAY)
    assert report.files_failed == [str(path)]
    assert report.problems[0].startswith(f"{path}{message}"), report.problems


def test_arxiv_error_entry(tmp_path: Path, papers_dir: Path) -> None:
    path = _write(
        tmp_path,
        "error.xml",
        """\
        <feed xmlns="http://www.w3.org/2005/Atom">
          <entry>
            <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
            <title>Error</title>
            <summary>incorrect id format for 1234.12345</summary>
          </entry>
        </feed>
        """,
    )
    report = import_arxiv([path], papers_dir, added=DAY)
    assert report.problems == [
        f"{path}:2: the arXiv API answered with an error: incorrect id format for 1234.12345"
    ]


def test_parse_xml_lines() -> None:
    root = parse_xml("<a>\n  <b x='1'>t</b>\n  <c/>\n</a>")
    assert [(n.tag, n.line, n.text) for n in root.children] == [("b", 2, "t"), ("c", 3, "")]


# --- CSL-JSON -------------------------------------------------------------------------


def test_zotero_csl_json(papers_dir: Path) -> None:
    report = import_csl([ZOTERO], papers_dir, added=DAY)
    assert sorted(report.added) == [
        "attention-is-all-you-need",
        "dropout-as-a-bayesian-approximation-representing-model-uncertainty-in-deep",
        "spiking-neural-networks-for-iphone-sensors",
    ]
    assert report.problems == [
        f"{ZOTERO}:47: item 'item-4' has no title; skipped",
        f"{ZOTERO}:52: expected a CSL item (an object); skipped",
    ]
    attention = _load(papers_dir / "attention-is-all-you-need.yaml")
    assert (
        attention["arxiv"] == "1706.03762" and attention["year"] == 2017 and "doi" not in attention
    )
    dropout = _load(
        papers_dir
        / "dropout-as-a-bayesian-approximation-representing-model-uncertainty-in-deep.yaml"
    )
    assert dropout["title"].endswith("model uncertainty in deep learning")
    assert (
        dropout["year"] == 2016 and dropout["url"] == "https://proceedings.mlr.press/v48/gal16.html"
    )
    spiking = _load(papers_dir / "spiking-neural-networks-for-iphone-sensors.yaml")
    assert spiking["title"] == "Spiking neural networks for iPhone sensors"
    assert spiking["authors"] == ["Ludwig van Beethoven", "The Phone Team", "Jürgen Müller, Jr."]
    assert spiking["doi"] == "10.1162/NECO_a_00001" and spiking["year"] == 2020
    _check_accepts(papers_dir)
    before = _snapshot(papers_dir)
    assert len(import_csl([ZOTERO], papers_dir, added=DAY).unchanged) == 3
    assert _snapshot(papers_dir) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[\n  {"title": "a"},\n  {"title": }\n]', ":3: not valid JSON: Expecting value"),
        ('{"items": 1} x', ":1: not valid JSON: Extra data"),
        ('"just a string"', ":1: expected a JSON array of CSL items"),
        ("[]", ":1: no items in the file"),
    ],
)
def test_csl_bad_files(tmp_path: Path, papers_dir: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "bad.json", text)
    report = import_csl([path], papers_dir, added=DAY)
    assert report.files_failed == [str(path)]
    assert report.problems[0].startswith(f"{path}{message}"), report.problems


def test_json_items_lines() -> None:
    assert json_items('[\n {"a": 1},\n\n  {"b": [1,\n 2]}, 3\n]') == [
        (2, {"a": 1}),
        (4, {"b": [1, 2]}),
        (5, 3),
    ]


def test_csl_names() -> None:
    assert (
        csl_name({"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"})
        == "Vincent van Gogh"
    )
    assert csl_name({"literal": "The {Team}"}) == "The {Team}"
    assert csl_name("nobody") == ""


# --- round trips through the exporters ---------------------------------------------------


def _real_papers() -> tuple[Paper, ...]:
    problems: list = []
    return validate(load_content(REPO / "content", problems), problems).papers


def test_every_real_paper_round_trips_through_csl_json(tmp_path: Path) -> None:
    papers = _real_papers()
    # Our CSL-JSON carries no abstract (it is on the page); a Zotero export of it would.
    items = [{**csl_item(p, p.id), "abstract": p.abstract} for p in papers]
    import json

    source = tmp_path / "survey.json"
    source.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    report = import_csl([source], tmp_path / "papers", added=DAY)
    assert report.problems == [] and report.near_duplicates == []
    assert len(report.added) == len(papers) > 300
    fields = ("title", "abstract", "authors", "year", "venue", "arxiv", "doi")
    imported = {
        (d := _load(p))["title"]: {k: d.get(k) for k in fields}
        for p in (tmp_path / "papers").glob("*.yaml")
    }
    for paper in papers:
        expected = {k: getattr(paper, k) for k in fields}
        expected["authors"] = list(paper.authors) or None
        expected["abstract"] = " ".join(paper.abstract.split())
        assert imported[paper.title] == expected


def test_every_real_paper_round_trips_through_bibtex(tmp_path: Path) -> None:
    """The survey's BibTeX, imported into a copy of its records, merges each into itself."""
    papers = _real_papers()
    records = tmp_path / "papers"
    records.mkdir()
    for path in (REPO / "content" / "papers").glob("*.yaml"):
        (records / path.name).write_bytes(path.read_bytes())
    source = tmp_path / "survey.bib"
    source.write_text("\n".join(bibtex(p, p.id) for p in papers), encoding="utf-8")
    before = {p.name: _load(p) for p in records.glob("*.yaml")}
    report = import_bibtex([source], records, added=DAY)
    assert report.problems == [] and report.near_duplicates == [] and report.added == []
    assert sorted(report.merged) == sorted(p.id for p in papers)
    for path in records.glob("*.yaml"):
        after = _load(path)
        assert after.pop("sources")[-1] == "bibtex/survey"
        assert {k: v for k, v in before[path.name].items() if k != "sources"} == after


_TEXT = (
    st.lists(
        st.sampled_from([*"abcXYZ éŁß{}$%&#_~^\\`'\"-:.,()[]019", "--", "  ", "and"]), max_size=30
    )
    .map("".join)
    .filter(lambda s: any(c.isalnum() for c in s))
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_TEXT.filter(normalize_title),
    venue=st.none() | _TEXT,
    authors=st.lists(_TEXT, max_size=3),
)
def test_generated_bibtex_imports_back(title: str, venue: str | None, authors: list[str]) -> None:
    title, venue = " ".join(title.split()), venue and " ".join(venue.split())
    authors = [" ".join(a.replace(",", " ").split()) for a in authors]
    paper = Paper(
        "p", title, ABSTRACT, "p.yaml", tuple(a for a in authors if a), 2020, venue or None
    )
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "one.bib"
        source.write_text(
            bibtex(paper, "key").replace("}\n", f"  abstract = {{{ABSTRACT}}},\n}}\n")
        )
        report = import_bibtex([source], Path(tmp) / "papers", added=DAY)
        assert report.problems == [], report.problems
        [record] = [_load(p) for p in (Path(tmp) / "papers").glob("*.yaml")]
    assert record["title"] == title
    assert record.get("authors", []) == list(paper.authors)
    if venue and not any(w in venue.lower() for w in ("arxiv", "corr", "preprint")):
        assert record["venue"] == venue


def test_hf_importer_shares_the_rules(tmp_path: Path, papers_dir: Path) -> None:
    """A Daily Papers dump merges into a record that a BibTeX import created."""
    import_bibtex([MESSY], papers_dir, added=DAY)
    dump = _write(tmp_path, "d1.txt", f"Graph Attention Networks\n\n{ABSTRACT}\n")
    report = import_hf_papers([dump], papers_dir, added=DAY)
    assert report.merged == ["graph-attention-networks"]
