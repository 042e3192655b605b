"""Tests for paper ids (slugify, is_safe_id) and the duplicate-title key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveysite.slugs import FALLBACK_SLUG, is_safe_id, normalize_title, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Configurable Foundation Models", "configurable-foundation-models"),
        ("Fréchet Cumulative Covariance Net", "frechet-cumulative-covariance-net"),
        ("Fr\\'echet Cumulative Covariance Net", "frechet-cumulative-covariance-net"),
        ("Certified $\\ell_2$ Attribution Robustness", "certified-l-2-attribution-robustness"),
        ("Eau De $Q$-Network", "eau-de-q-network"),
        ("BT^2: Backward-compatible Training", "bt-2-backward-compatible-training"),
        ("Fast & Slow Learning", "fast-slow-learning"),
        ("Pauling's Third Rule", "paulings-third-rule"),
        ("Ψ-Net and α-Entmax", "psi-net-and-alpha-entmax"),
        ("Straße, Ørsted, Łódź", "strasse-orsted-lodz"),
        ("  --Leading and trailing--  ", "leading-and-trailing"),
        ("", FALLBACK_SLUG),
        ("!!! ???", FALLBACK_SLUG),
        ("深度学习", FALLBACK_SLUG),
    ],
)
def test_slugify_examples(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_cuts_on_a_word_boundary() -> None:
    title = "Going Beyond Neural Network Feature Similarity: The Network Feature Complexity"
    assert slugify(title, max_len=40) == "going-beyond-neural-network-feature"
    assert slugify("one two three", max_len=7) == "one-two"  # the cut falls on a hyphen


def test_slugify_cuts_a_single_long_word_hard() -> None:
    assert slugify("a" * 100, max_len=10) == "a" * 10


def test_slugify_rejects_a_max_len_shorter_than_the_fallback() -> None:
    with pytest.raises(ValueError, match="max_len"):
        slugify("title", max_len=3)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Deep Residual Learning", "deep residual  learning"),
        ("Fréchet Net", "Frechet Net"),
        ("Fr\\'echet Net", "Fréchet Net"),
        ("Fr{\\'e}chet Net", "FRÉCHET NET"),
        ("Eau De $Q$-Network", "Eau De Q-Network"),
        ("\\emph{Deep} Learning", "Deep Learning"),
        ("Learning: a Survey.", "Learning — a survey"),
        ("``Deep'' nets", '"Deep" nets'),
        ("Straße", "STRASSE"),
    ],
)
def test_normalize_title_equates_spellings(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


def test_normalize_title_keeps_different_titles_apart() -> None:
    assert normalize_title("Deep Residual Learning") != normalize_title("Deep Recurrent Learning")
    assert normalize_title("Ψ-Net") != normalize_title("Net")


def test_normalize_title_form() -> None:
    assert (
        normalize_title("  Fréchet   Cumulative: Covariance!! ") == "frechet cumulative covariance"
    )


@pytest.mark.parametrize("s", ["a", "paper", "a-b-c", "x2", "2024-survey"])
def test_is_safe_id_accepts(s: str) -> None:
    assert is_safe_id(s)


@pytest.mark.parametrize(
    "s", ["", "-a", "a-", "a--b", "A", "a_b", "a b", "a\n", "é", "../a", None, 3]
)
def test_is_safe_id_rejects(s: object) -> None:
    assert not is_safe_id(s)


@given(st.text())
def test_slugify_always_gives_a_safe_idempotent_id(title: str) -> None:
    slug = slugify(title)
    assert is_safe_id(slug)
    assert len(slug) <= 80
    assert slugify(slug) == slug


@given(st.text(), st.integers(min_value=5, max_value=120))
def test_slugify_respects_max_len(title: str, max_len: int) -> None:
    slug = slugify(title, max_len=max_len)
    assert is_safe_id(slug) and len(slug) <= max_len
    assert slugify(slug, max_len=max_len) == slug


@given(st.text())
def test_normalize_title_never_crashes_and_is_idempotent(title: str) -> None:
    key = normalize_title(title)
    assert key == key.strip()
    assert "  " not in key
    assert normalize_title(key) == key


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="\\"))
)
def test_normalize_title_ignores_ascii_case_and_spacing(title: str) -> None:
    # Without backslashes: TeX macro names are case-sensitive (\emph is not \EMPH).
    assert normalize_title(title.upper()) == normalize_title(title.lower())
    assert normalize_title(title.replace(" ", "   ")) == normalize_title(title)
