"""BibTeX, RIS and CSL-JSON of a paper: keys, escaping, and checks on every paper of the survey.

The CSL schema in tests/fixtures/csl-data.json is upstream's `schemas/input/csl-data.json`
(citation-style-language/schema, MIT licence, commit 00412663), descriptions left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import bibtexparser
import jsonschema
import pytest

from surveysite.cite_formats import (
    base_key,
    bibtex,
    bibtex_fields,
    cite_keys,
    csl_json,
    paper_kind,
    protect_title,
    ris,
    split_name,
    tex_escape,
)
from surveysite.import_bibtex import bib_names, bib_text
from surveysite.load_content import load_content
from surveysite.records import Paper
from surveysite.validate import validate
from tests.conftest import REPO

CSL_SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl-data.json").read_text())
RIS_TYPES = {"JOUR", "CPAPER", "GEN"}
RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")


def paper(**fields) -> Paper:
    base = {"id": "p", "title": "A Paper", "abstract": "An abstract.", "path": "p.yaml"}
    return Paper(**{**base, **fields})


def real_papers() -> tuple[Paper, ...]:
    """Every valid paper record of the survey (independent of the topics' state)."""
    problems: list = []
    return validate(load_content(REPO / "content", problems), problems).papers


FULL = paper(
    title="Attention Is All You Need",
    authors=("Ashish Vaswani", "Noam Shazeer", "Ludwig van Beethoven Jr."),
    year=2017,
    venue="Advances in Neural Information Processing Systems 30",
    arxiv="1706.03762",
    doi="10.5555/3295222.3295349",
)


# --- keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        (
            {"title": "Attention Is All You Need", "authors": ("Ashish Vaswani",), "year": 2017},
            "vaswani2017attention",
        ),
        (
            {
                "title": "On the Dangers of Stochastic Parrots",
                "authors": ("Emily M. Bender",),
                "year": 2021,
            },
            "bender2021dangers",
        ),
        ({"title": "Deep learning", "authors": ("Jürgen Schmidhuber",)}, "schmidhuberdeep"),
        (
            {"title": "Étude of Łódź", "authors": ("Vincent van Gogh",), "year": 1888},
            "vangogh1888etude",
        ),
        ({"title": "The Transformer Revisited", "year": 2020}, "transformer2020revisited"),
        ({"title": "α-Nets"}, "alphanets"),
        ({"title": "!!!"}, "paper"),
        ({"title": "A", "authors": ("Schmidhuber, Jürgen",), "year": 2015}, "schmidhuber2015a"),
    ],
)
def test_base_key(fields: dict, key: str) -> None:
    assert base_key(paper(**fields)) == key


def test_keys_are_unique_and_stable_when_papers_are_added() -> None:
    older = paper(
        id="b-old", title="Deep Nets", year=2020, authors=("A Smith",), added=date(2024, 1, 1)
    )
    newer = paper(
        id="a-new", title="Deep Nets Again", year=2020, authors=("B Smith",), added=date(2025, 1, 1)
    )
    undated = paper(id="c", title="Deep nets!", year=2020, authors=("C Smith",))
    assert cite_keys({"b-old": older}) == {"b-old": "smith2020deep"}
    keys = cite_keys({"a-new": newer, "b-old": older, "c": undated})
    assert keys == {"b-old": "smith2020deep", "a-new": "smith2020deep-2", "c": "smith2020deep-3"}


def test_real_keys_are_unique_and_readable() -> None:
    papers = {p.id: p for p in real_papers()}
    keys = cite_keys(papers)
    assert len(set(keys.values())) == len(papers) > 300
    assert all(re.fullmatch(r"[a-z0-9]+(-\d+)?", key) for key in keys.values())


# --- BibTeX text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("BERT: Pre-training of Deep Transformers", "{BERT}: Pre-training of Deep Transformers"),
        ("Training GPT-4 and ResNet on 3D data", "Training {GPT-4} and {ResNet} on {3D} data"),
        ("Neural networks for robots in Europe", "Neural networks for robots in {Europe}"),
        ("Bayesian deep learning: A survey", "Bayesian deep learning: A survey"),
        ("Deep learning for Bayesian inference", "Deep learning for {Bayesian} inference"),
        ("Why 50% of R&D fails: $5 bets on x_1", "Why 50\\% of {R\\&D} fails: \\$5 bets on x\\_1"),
        (
            "Braces {x} and ~tilde^ `q' \\back",
            "Braces \\{x\\} and \\textasciitilde{}tilde\\textasciicircum{} \\textasciigrave{}q' \\textbackslash{}back",
        ),
        ("One -- two --- three", "One -{}- two -{}-{}- three"),
        ("Part I of (the) iPhone", "Part {I} of (the) {iPhone}"),
    ],
)
def test_protect_title(title: str, protected: str) -> None:
    assert protect_title(title) == protected


def test_tex_escape_drops_control_characters() -> None:
    assert tex_escape("a\x00b\x7fc\n d") == "abc d"


def test_full_entry() -> None:
    assert bibtex(FULL, "vaswani2017attention") == (
        "@inproceedings{vaswani2017attention,\n"
        "  title = {Attention Is All You Need},\n"
        "  author = {Ashish Vaswani and Noam Shazeer and Ludwig van Beethoven Jr.},\n"
        "  year = {2017},\n"
        "  booktitle = {Advances in Neural Information Processing Systems 30},\n"
        "  doi = {10.5555/3295222.3295349},\n"
        "  eprint = {1706.03762},\n"
        "  archiveprefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/1706.03762},\n"
        "}\n"
    )


def test_minimal_entry_is_valid() -> None:
    text = bibtex(paper(title="Untitled Thoughts"), "untitledthoughts")
    assert text == "@misc{untitledthoughts,\n  title = {Untitled Thoughts},\n}\n"
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and library.entries[0]["title"] == "Untitled Thoughts"


@pytest.mark.parametrize(
    ("venue", "kind"),
    [
        ("Journal of Machine Learning Research", "article"),
        ("Transactions on Machine Learning Research", "article"),
        ("ICLR 2024", "inproceedings"),
        ("Proceedings of the 40th International Conference on Machine Learning", "inproceedings"),
        ("arXiv preprint", "misc"),
        ("A Blog", "misc"),
        (None, "misc"),
    ],
)
def test_paper_kind(venue: str | None, kind: str) -> None:
    assert paper_kind(paper(venue=venue)).bibtex == kind


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ashish Vaswani", ("Ashish", "Vaswani", "")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven", "")),
        ("Martin Luther King Jr.", ("Martin Luther", "King", "Jr.")),
        ("Schmidhuber, Jürgen", ("Jürgen", "Schmidhuber", "")),
        ("Plato", ("", "Plato", "")),
    ],
)
def test_split_name(name: str, parts: tuple[str, str, str]) -> None:
    found = split_name(name)
    assert (found.given, found.family, found.suffix) == parts


# --- the three formats, checked for every paper ---------------------------------------


def check_bibtex(entry_text: str, record: Paper, key: str) -> None:
    """The entry parses with bibtexparser into the fields written, which read back as the paper."""
    library = bibtexparser.parse_string(entry_text)
    assert library.failed_blocks == [], entry_text
    [entry] = library.entries
    assert entry.key == key
    written = dict(bibtex_fields(record))
    assert {f.key: f.value for f in entry.fields} == written
    assert bib_text(entry["title"])[0] == " ".join(record.title.split())
    if record.authors:
        assert bib_names(entry["author"])[0] == list(record.authors)
    if record.year:
        assert entry["year"] == str(record.year)
    venue_field = paper_kind(record).venue_field
    if record.venue:
        assert bib_text(entry[venue_field])[0] == " ".join(record.venue.split())
    for name in ("doi", "eprint"):
        if name in written:
            assert entry[name] in (record.doi, record.arxiv)


def check_ris(text: str, record: Paper) -> None:
    """One record: TY first, ER last, `TAG  - value` lines ending in CRLF, values on one line."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text[:-2].split("\r\n")
    tags = [RIS_LINE.match(line) for line in lines]
    assert all(tags), lines
    assert tags[0].group(1) == "TY" and tags[0].group(2) in RIS_TYPES
    assert lines[-1] == "ER  - " and [t.group(1) for t in tags].count("ER") == 1
    values = {}
    for tag in tags[1:-1]:
        assert tag.group(2).strip(), tag.group(0)
        values.setdefault(tag.group(1), []).append(tag.group(2))
    assert values["TI"] == [" ".join(record.title.split())]
    assert len(values.get("AU", [])) == len(record.authors)
    assert "AB" not in values  # a reference needs no abstract; it is on the paper's page


def check_csl(text: str, record: Paper, key: str) -> None:
    items = json.loads(text)
    jsonschema.validate(items, CSL_SCHEMA)
    [item] = items
    assert item["id"] == key and item["title"] == record.title and "abstract" not in item
    assert len(item.get("author", [])) == len(record.authors)


def test_full_paper_in_every_format() -> None:
    check_bibtex(bibtex(FULL, "k"), FULL, "k")
    check_ris(ris(FULL, "k"), FULL)
    check_csl(csl_json(FULL, "k"), FULL, "k")
    assert "AU  - van Beethoven, Ludwig, Jr.\r\n" in ris(FULL, "k")
    item = json.loads(csl_json(FULL, "k"))[0]
    assert item["author"][2] == {"family": "van Beethoven", "given": "Ludwig", "suffix": "Jr."}
    assert item["issued"] == {"date-parts": [[2017]]} and item["type"] == "paper-conference"


HOSTILE = [
    paper(
        title="{Unbalanced} } braces { and \\ backslashes", authors=("Research and Development",)
    ),
    paper(
        title="Tabs\tand\nnewlines  and ~~ ^^ $$ %% ## && __",
        abstract="Line one.\n\nLine two\r\nthree.",
    ),
    paper(title="Émile Zoë Ørsted: ŁÓDŹ — 東京 α-β", authors=("Émile Zoë", "others")),
    paper(title="Quotes \"double\" and 'single' and `back`", venue="Proc. of {Things} & Co"),
]


@pytest.mark.parametrize("record", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_stays_valid(record: Paper) -> None:
    check_bibtex(bibtex(record, "k"), record, "k")
    check_ris(ris(record, "k"), record)
    check_csl(csl_json(record, "k"), record, "k")


def test_every_paper_of_the_survey_in_every_format() -> None:
    papers = real_papers()
    keys = cite_keys({p.id: p for p in papers})
    for record in papers:
        key = keys[record.id]
        check_bibtex(bibtex(record, key), record, key)
        check_ris(ris(record, key), record)
        check_csl(csl_json(record, key), record, key)
    assert len(papers) > 300


def test_every_paper_with_all_fields_in_every_format() -> None:
    """The survey's papers lack authors and years for now; check them as if they had them."""
    papers = [
        replace(
            p,
            authors=("Ada Lovelace", "Alan M. Turing", "Grace van der Hopper"),
            year=2000 + n % 25,
            venue=["NeurIPS 2023", "Journal of AI & Stuff", None, "Some $pecial_venue"][n % 4],
            doi=f"10.1000/x{n}_(y)",
        )
        for n, p in enumerate(real_papers())
    ]
    keys = cite_keys({p.id: p for p in papers})
    for record in papers:
        key = keys[record.id]
        check_bibtex(bibtex(record, key), record, key)
        check_ris(ris(record, key), record)
        check_csl(csl_json(record, key), record, key)
