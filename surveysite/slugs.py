"""Paper ids from titles, and the title key used to find duplicates."""

from __future__ import annotations

import re
import unicodedata

from surveysite.tex import tex_to_text

__all__ = ["FALLBACK_SLUG", "is_safe_id", "normalize_title", "slugify"]

FALLBACK_SLUG = "paper"
_SAFE_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG_RE = re.compile(r"[^a-z0-9]+")
_APOSTROPHES_RE = re.compile(r"(?<=\w)['\u2019](?=\w)")
_NOT_WORD_RE = re.compile(r"[\W_]+")

# Letters that NFKD does not decompose into ASCII.
_TRANSLITERATIONS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
_GREEK_LETTERS = str.maketrans(
    {
        **{chr(0x3B1 + i + (i > 16)): f" {n} " for i, n in enumerate(_GREEK)},
        **{chr(0x391 + i + (i > 16)): f" {n} " for i, n in enumerate(_GREEK)},
        "ς": " sigma ",
        "ϵ": " epsilon ",
        "ϑ": " theta ",
        "ϕ": " phi ",
    }
)


def slugify(title: str, max_len: int = 80) -> str:
    """Return a stable, URL-safe id for ``title`` (a-z, 0-9, single hyphens)."""
    if max_len < len(FALLBACK_SLUG):
        raise ValueError(f"max_len must be at least {len(FALLBACK_SLUG)}, got {max_len}")
    text = _APOSTROPHES_RE.sub("", _to_ascii(tex_to_text(title)).lower())
    slug = _NOT_SLUG_RE.sub("-", text).strip("-")
    return _shorten(slug, max_len) or FALLBACK_SLUG


def normalize_title(title: str) -> str:
    """Return the key under which two spellings of one title are equal."""
    text = _strip_accents(tex_to_text(title)).casefold()
    return _NOT_WORD_RE.sub(" ", _strip_accents(text)).strip()


def is_safe_id(s: object) -> bool:
    """Tell whether ``s`` is usable as a paper id and file name."""
    return isinstance(s, str) and _SAFE_ID_RE.fullmatch(s) is not None


def _to_ascii(text: str) -> str:
    """Transliterate to ASCII: accents dropped, Greek letters spelled out."""
    text = text.translate(_GREEK_LETTERS).translate(_TRANSLITERATIONS)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _shorten(slug: str, max_len: int) -> str:
    """Cut ``slug`` to ``max_len`` characters, at a hyphen where there is one."""
    if len(slug) <= max_len:
        return slug
    head = slug[: max_len + 1]
    cut = head.rfind("-")
    return (head[:cut] if cut > 0 else slug[:max_len]).strip("-")
