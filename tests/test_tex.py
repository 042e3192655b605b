"""Tests for converting arXiv TeX-isms to plain text."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveysite.tex import convert_tex, find_tex_residue, tex_to_text

SEEDS = Path(__file__).resolve().parents[1] / "content" / "sources" / "hf-daily-papers"


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("the first ``deep'' learning methods", "the first \u201cdeep\u201d learning methods"),
        ("a `sufficient statistic' subgraph", "a \u2018sufficient statistic\u2019 subgraph"),
        ("a larger `teacher' network", "a larger \u2018teacher\u2019 network"),
        ("under 3\\% performance drop", "under 3% performance drop"),
        ("Fr\\'echet Cumulative Covariance", "Fréchet Cumulative Covariance"),
        ("Fr{\\'e}chet", "Fréchet"),
        ("spent on {\\emph compression} of the input", "spent on compression of the input"),
        ("\\emph{x}", "x"),
        ("\\emph compression of", "compression of"),
        ("{\\em very} good", "very good"),
        ('the M\\"obius function', "the Möbius function"),
        ('an apparently na\\"{\\i}ve technique', "an apparently naïve technique"),
        ("a quantity {\\Psi} to analyze", "a quantity Ψ to analyze"),
        ("Spearman's {\\rho} and Kendall's Tau", "Spearman's ρ and Kendall's Tau"),
        ("information \\& positioN stabilITY", "information & positioN stabilITY"),
        ("assumptions, e.g.\\ that the answer", "assumptions, e.g. that the answer"),
        ("interpretability -- they are", "interpretability \u2013 they are"),
        ("pages 10--20", "pages 10\u201320"),
        ("kernel (NTK)--which reveals", "kernel (NTK)\u2013which reveals"),
        ("152 layers---8x deeper", "152 layers\u20148x deeper"),
        ("techniques (e.g.,~SVD) rely", "techniques (e.g., SVD) rely"),
        ("see Fig.~3", "see Fig. 3"),
        ("Certified $\\ell_2$ Attribution", "Certified ℓ_2 Attribution"),
        ("costs $O(n^2)$ time", "costs O(n^2) time"),
        ("$\\alpha$-divergence", "α-divergence"),
        ("Eau De $Q$-Network", "Eau De Q-Network"),
        ("$\\mathbb{R}^d$", "ℝ^d"),
        ("$\\frac{1}{2}$ and $\\tfrac{1}{2}$", "1/2 and 1/2"),
        ("$f''(x)$", "f\u2032\u2032(x)"),
        ("$\\|x\\|_2$", "\u2016x\u2016_2"),
        ("$\\left( a \\right)$", "( a )"),
        ("$$\\sum_i x_i$$", "∑_i x_i"),
        ("\\(x^2\\)", "x^2"),
        ("as in \\cite{he2016deep}", "as in [he2016deep]"),
        ("at \\url{https://x.org/a_b}", "at https://x.org/a_b"),
        ("\\href{https://x.org}{our site}", "our site"),
        ("\\LaTeX\\ is", "LaTeX is"),
        ("{\\bf 50% & more}", "50% & more"),
        ("\\v{c} and \\v s and \\c{c}", "č and š and ç"),
        ("1\\textsuperscript{st} place", "1st place"),
    ],
)
def test_tex_to_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


@pytest.mark.parametrize(
    "plain",
    [
        "Our strongest model achieves a Top-1 accuracy of 90.4%.",
        "errors below O(10^{-5}) and O(10^{-16}) within a finite number",
        "LBL for MoEs is defined as N_E sum_{i=1}^{N_E} f_i p_i, where N_E is",
        "w_{min}=max{d_x+1,d_y} when the domain is mathbb R^{d_x}",
        "Fast & Slow Learning <b>*bold*</b> `code` i.e. e.g. T>1",
        "available at https://github.com/raminmh/liquid_time_constant_networks",
        "costs $5 and $10, or (~2%) or 10~30% or ~40k spectra or (13~15M)",
        "a --> b and the --help flag and a ---- rule",
        "it's ''quoted'' and the model's `x` value",
        "a URL https://a.b/~user/x--y_z%20 here",
        "Windows path C:\\1 stays",
    ],
)
def test_text_without_tex_comes_back_unchanged(plain: str) -> None:
    assert tex_to_text(plain) == plain


def _seed_lines() -> list[str]:
    return [line for f in sorted(SEEDS.glob("*.txt")) for line in f.read_text("utf-8").split("\n")]


def test_seed_lines_without_tex_are_unchanged() -> None:
    tex_like = re.compile(r"[\\$~`]|--")
    plain = [line for line in _seed_lines() if not tex_like.search(line)]
    assert len(plain) > 600
    assert [line for line in plain if tex_to_text(line) != line] == []


def test_seed_lines_lose_their_tex() -> None:
    for line in _seed_lines():
        text = tex_to_text(line)
        for leftover in ("\\'", '\\"', "``", "''", "\\%", "\\emph", "\\&", "{\\", "$"):
            assert leftover not in text, (leftover, text)


def test_garbage_macro_is_kept_and_reported() -> None:
    result = convert_tex("the expected rank of the \\mtimes n hidden activation matrices")
    assert result.text == "the expected rank of the \\mtimes n hidden activation matrices"
    assert result.unconverted == ["\\mtimes"]


def test_unknown_macro_in_math_keeps_the_whole_formula() -> None:
    result = convert_tex("we get $\\foo(x)$ here")
    assert result.text == "we get $\\foo(x)$ here"
    assert result.unconverted == ["$\\foo(x)$"]


@pytest.mark.parametrize("broken", ["{\\emph", "\\", "{\\", "\\'", "$x", "\\href{a}", "$\\frac{$"])
def test_malformed_tex_is_kept(broken: str) -> None:
    assert tex_to_text(broken).replace(" ", "") != ""


def test_pylatexenc_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        tex_to_text("{\\emph unbalanced \\textbf{")
        tex_to_text("$\\frac{1}$ and \\begin{itemize")
    assert [r for r in caplog.records if r.name.startswith("pylatexenc")] == []


def test_find_tex_residue() -> None:
    notes = find_tex_residue("on mathbb R^{d_x} and {mathcal O} per HAQ~wang2018haq, mathbb")
    assert notes == [
        "'mathbb' looks like a TeX command that lost its backslash",
        "'mathcal' looks like a TeX command that lost its backslash",
        "'wang2018haq' looks like a citation key",
    ]
    assert find_tex_residue("plain text about mathematics and \\mathbb{R}") == []


_TEX_PIECES = [*"\\${}[]()^_~`'\"-%&#@ \nabeiEmphx12é", "\\emph", "\\frac", "$$", "\\'"]
_TEXISH = st.lists(st.sampled_from(_TEX_PIECES), max_size=40).map("".join)


@given(st.one_of(st.text(), _TEXISH))
def test_tex_to_text_never_raises(s: str) -> None:
    assert isinstance(tex_to_text(s), str)


@given(st.text(alphabet=st.characters(exclude_characters="\\$~`-")))
def test_text_without_tex_characters_is_unchanged(s: str) -> None:
    assert tex_to_text(s) == s
