"""Turn the TeX-isms of arXiv titles and abstracts into the text a reader expects.

Only the TeX in a string is touched: math (``$...$``), control sequences (``\\'e``,
``\\emph{x}``, ``\\%``), groups that start with one (``{\\em x}``), TeX quotes
(````x''``, ```x'``), ties (``e.g.,~SVD``) and dashes (``--``, ``---``). Each such span
is converted on its own with pylatexenc; the text around it, and URLs, are left exactly
as they were, so plain abstracts with ``%``, ``_``, ``{}`` or ``^`` survive unchanged.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from dataclasses import dataclass, field

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_default_walker_context_db
from pylatexenc.macrospec import LatexContextDb, std_macro

__all__ = ["TexConversion", "convert_tex", "find_tex_residue", "tex_to_text"]

log = logging.getLogger(__name__)
# pylatexenc logs every tolerated parse error; we report problems ourselves.
logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)

_URL = r"(?:https?|ftp)://[^\s<>\"]+|www\.[^\s<>\"]+"
# Inline math: no space just inside the dollars and no digit right after the closing
# one, so "costs $5 and $10" is not math.
_MATH = (
    r"\$\$(?:[^$\\]|\\.)+?\$\$"
    r"|\$(?=[^\s$])(?:[^$\n\\]|\\.)*?(?<=[^\s\\])\$(?![0-9])"
    r"|\\\((?:[^\\]|\\[^)])*?\\\)"
    r"|\\\[(?:[^\\]|\\[^\]])*?\\\]"
)
_VERBATIM_MACRO = r"\\(?:url|href|path)\{[^{}\n]*\}"
_ESCAPED_CHAR = r"\\[^A-Za-z\s]"

# Pass 1: typography (quotes, ties, dashes) outside math, URLs and escaped characters.
_TYPO_RE = re.compile(
    rf"(?P<keep>{_URL}|{_VERBATIM_MACRO}|{_MATH}|{_ESCAPED_CHAR})"
    r"|``(?P<dq>[^`\n]*?)''"
    r"|(?<![\\`])`(?!`)(?P<sq>(?:[^`'\n]|'(?=[A-Za-z])){1,200}?)'(?![A-Za-z])"
    r"|(?P<tie>~)"
    r"|(?P<dash>-{2,})"
)
# Pass 2: spans handed to pylatexenc.
_SPAN_START_RE = re.compile(rf"(?P<url>{_URL})|(?P<math>{_MATH})|\{{\\|\\")
_CONTROL_WORD_RE = re.compile(r"\\([A-Za-z]+)\*?")
_ACCENT_SYMBOLS = "'\"`^~=."
_LETTER_ACCENTS = frozenset("vuHckbdrt")
_CONTROL_SYMBOLS = frozenset("%&#_${} ,;:!/\\-|@>")
_ACCENT_ARG_RE = re.compile(r"\\[ij](?![A-Za-z])|[A-Za-z]")
_BARE_ARG_RE = re.compile(r"[ \t]*[A-Za-z0-9]")
_OPTIONAL_ARG_RE = re.compile(r"\[[^\[\]\n]{0,200}\]")
_UNESCAPED_SPECIAL_RE = re.compile(r"(?<!\\)([%&#])")
_MACRO_NAME_RE = re.compile(r"\\([A-Za-z]+)")
_MAX_GROUP = 2000
# Quick test: strings without any of these come back untouched.
_MAYBE_TEX_RE = re.compile(r"[\\$~]|``|`[^`\n]*'|--")

_RESIDUE_RE = re.compile(
    r"(?<![\\A-Za-z])(?P<cmd>mathbb|mathcal|mathrm|mathbf|mathit|boldsymbol|operatorname)"
    r"(?![A-Za-z])"
    r"|~(?P<cite>[a-z]+(?:19|20)\d\d[a-z]+)\b"
)


@dataclass
class TexConversion:
    """Converted text plus the TeX that could not be converted (kept verbatim)."""

    text: str
    unconverted: list[str] = field(default_factory=list)


def tex_to_text(s: str) -> str:
    """Return ``s`` with its TeX converted to plain Unicode text; never raise."""
    result = convert_tex(s)
    if result.unconverted:
        log.debug("kept unconverted TeX %s in %r", result.unconverted, s[:80])
    return result.text


def convert_tex(s: str) -> TexConversion:
    """Convert the TeX in ``s``; report the spans that had to be kept verbatim."""
    if not isinstance(s, str) or not _MAYBE_TEX_RE.search(s):
        return TexConversion(s)
    try:
        unconverted: list[str] = []
        text = _convert_spans(_typography(s), unconverted)
        return TexConversion(text, unconverted)
    except Exception:
        log.warning("could not convert TeX in %r; kept as is", s[:80], exc_info=True)
        return TexConversion(s, [s])


def find_tex_residue(s: str) -> list[str]:
    """Name TeX that lost its backslashes upstream (``mathbb R``, ``~wang2018haq``)."""
    found = []
    for m in _RESIDUE_RE.finditer(s):
        if m["cmd"]:
            found.append(f"{m['cmd']!r} looks like a TeX command that lost its backslash")
        else:
            found.append(f"{m['cite']!r} looks like a citation key")
    return list(dict.fromkeys(found))


# --- pass 1: typography -------------------------------------------------------------


def _typography(s: str) -> str:
    """Convert TeX quotes, ties and dashes, skipping math, URLs and escaped chars."""
    return _TYPO_RE.sub(_typo_replacement, s)


def _typo_replacement(m: re.Match[str]) -> str:
    if m["keep"] is not None:
        return m["keep"]
    if m["dq"] is not None:
        return f"\u201c{m['dq']}\u201d"
    if m["sq"] is not None:
        return f"\u2018{m['sq']}\u2019"
    before = m.string[m.start() - 1] if m.start() else ""
    after = m.string[m.end()] if m.end() < len(m.string) else ""
    if m["tie"]:
        return " " if _is_tie(before, after) else "~"
    return _dash(m["dash"], before, after)


def _is_tie(before: str, after: str) -> bool:
    """Tell a TeX tie (``Fig.~3``, ``e.g.,~SVD``) from ``~40k`` or ``10~30%``."""
    return (
        bool(before)
        and (before.isalpha() or before in ".,;:)]")
        and (after.isalnum() or after in "([\\")
    )


def _dash(run: str, before: str, after: str) -> str:
    """Turn ``--``/``---`` into en/em dashes, but not arrows, rules or ``--flags``."""
    if len(run) > 3 or before in ("<", "!") or after in (">",):
        return run
    if len(run) == 2 and (not before or before.isspace()) and after.isalpha():
        return run
    return "\u2013" if len(run) == 2 else "\u2014"


# --- pass 2: spans converted by pylatexenc ------------------------------------------


def _convert_spans(s: str, unconverted: list[str]) -> str:
    """Convert every math/macro/group span of ``s``; copy everything else."""
    out: list[str] = []
    pos = 0
    while (m := _SPAN_START_RE.search(s, pos)) is not None:
        end = m.end() if m["url"] or m["math"] else _span_end(s, m.start())
        if end is None:
            out.append(s[pos : m.start() + 1])
            pos = m.start() + 1
            continue
        out.append(s[pos : m.start()])
        out.append(
            s[m.start() : end] if m["url"] else _convert_span(s[m.start() : end], unconverted)
        )
        pos = end
    out.append(s[pos:])
    return "".join(out)


def _span_end(s: str, start: int) -> int | None:
    """Return where the group or control sequence starting at ``start`` ends."""
    if s[start] == "{":
        return _group_end(s, start)
    if start + 1 >= len(s):
        return None
    nxt = s[start + 1]
    if nxt in _ACCENT_SYMBOLS:
        return _accent_arg_end(s, start + 2)
    word = _CONTROL_WORD_RE.match(s, start)
    if word is None:
        return start + 2 if nxt in _CONTROL_SYMBOLS else None
    return _macro_args_end(s, word.end(), word[1])


def _macro_args_end(s: str, pos: int, name: str) -> int:
    """Extend a control word over its directly following ``[...]``/``{...}`` args."""
    start = pos
    while pos < len(s):
        opt = _OPTIONAL_ARG_RE.match(s, pos)
        end = opt.end() if opt else _group_end(s, pos) if s[pos] == "{" else None
        if end is None:
            break
        pos = end
    if pos > start:
        return pos
    if name in _LETTER_ACCENTS:
        return _accent_arg_end(s, pos + 1 if s[pos : pos + 1] == " " else pos) or pos
    if _takes_argument(name):
        bare = _BARE_ARG_RE.match(s, pos)
        return bare.end() if bare else pos
    return pos


def _accent_arg_end(s: str, pos: int) -> int | None:
    """Return the end of an accent's argument: ``{e}``, ``\\i`` or one letter."""
    if s[pos : pos + 1] == "{":
        return _group_end(s, pos)
    m = _ACCENT_ARG_RE.match(s, pos)
    return m.end() if m else None


def _group_end(s: str, start: int) -> int | None:
    """Return the index after the ``}`` matching ``s[start] == '{'``, if close by."""
    depth = 0
    for i in range(start, min(len(s), start + _MAX_GROUP)):
        ch = s[i]
        if ch == "{" and (i == start or s[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and s[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _convert_span(span: str, unconverted: list[str]) -> str:
    """Convert one TeX span with pylatexenc, or keep it verbatim if it cannot be."""
    unknown = [n for n in _MACRO_NAME_RE.findall(span) if not _is_known_macro(n)]
    if unknown:
        unconverted.append(span)
        return span
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            walker = LatexWalker(_prepare(span), latex_context=_walker_context())
            text = _converter().nodelist_to_text(walker.get_latex_nodes()[0])
    except Exception:  # noqa: BLE001 - pylatexenc fails on some malformed input
        unconverted.append(span)
        return span
    return _tidy(text, display=span.startswith(("$$", "\\[")))


def _prepare(span: str) -> str:
    """Escape characters that are special to TeX but literal in abstracts."""
    if span.startswith(("$", "\\(", "\\[")):
        span = span.replace("'", "\u2032")  # f'' is a double prime, not a quote
    return _UNESCAPED_SPECIAL_RE.sub(r"\\\1", span)


def _tidy(text: str, *, display: bool) -> str:
    """Fold pylatexenc's layout (newlines, no-break spaces) into running text."""
    text = text.replace("\xa0", " ").replace("\xad", "")
    text = re.sub(r"\s*\n\s*", " ", text)
    return text.strip() if display else text


def _takes_argument(name: str) -> bool:
    spec = _walker_context().get_macro_spec(name)
    return "{" in getattr(getattr(spec, "args_parser", None), "argspec", "")


@functools.cache
def _walker_context() -> LatexContextDb:
    """Return pylatexenc's parser table plus the argument specs it lacks."""
    db = get_default_walker_context_db()
    db.add_context_category(
        "surveysite", prepend=True, macros=[std_macro(n, "{{") for n in ("tfrac", "dfrac", "href")]
    )
    return db


def _is_known_macro(name: str) -> bool:
    return _converter().latex_context.get_macro_spec(name) is not None


def _arg_texts(node: object, l2tobj: LatexNodes2Text) -> list[str]:
    args = getattr(getattr(node, "nodeargd", None), "argnlist", None) or []
    return [l2tobj.nodelist_to_text([a]) for a in args if a is not None]


def _cite(node: object, l2tobj: LatexNodes2Text) -> str:
    args = _arg_texts(node, l2tobj)
    return f"[{args[-1]}]" if args else ""


def _href(node: object, l2tobj: LatexNodes2Text) -> str:
    args = _arg_texts(node, l2tobj)
    return args[-1] if args else ""


def _args(node: object, l2tobj: LatexNodes2Text) -> str:
    return "".join(_arg_texts(node, l2tobj))


def _frac(node: object, l2tobj: LatexNodes2Text) -> str:
    return "/".join(_arg_texts(node, l2tobj))


_DECLARATIONS = [
    "bf",
    "it",
    "em",
    "rm",
    "tt",
    "sc",
    "sf",
    "sl",
    "up",
    "md",
    "bfseries",
    "itshape",
    "mdseries",
    "upshape",
    "scshape",
    "normalfont",
    "tiny",
    "scriptsize",
    "footnotesize",
    "small",
    "normalsize",
    "large",
    "Large",
    "LARGE",
    "huge",
    "Huge",
    "xspace",
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "label",
    "nonumber",
    "noindent",
    "centering",
    "displaystyle",
    "textstyle",
    "limits",
    "nolimits",
]
_PASS_THROUGH = "texttt textsf textup textmd textnormal mbox hbox boldsymbol bm operatorname"
_SYMBOLS = {
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "|": "\u2016",
    "-": "",
    "neg": "\u00ac",
    "land": "\u2227",
    "lor": "\u2228",
    "pounds": "\u00a3",
    "euro": "\u20ac",
    "S": "\u00a7",
    "P": "\u00b6",
    "ddag": "\u2021",
    "copyright": "\u00a9",
    "arg": "arg",
    "argmax": "argmax",
    "argmin": "argmin",
}


def _extra_macros() -> list[MacroTextSpec]:
    """Return our additions and corrections to pylatexenc's macro table."""
    return [
        *(MacroTextSpec(n, t) for n, t in _SYMBOLS.items()),
        *(MacroTextSpec(n, "") for n in _DECLARATIONS),
        *(MacroTextSpec(n, simplify_repl=_args) for n in _PASS_THROUGH.split()),
        *(MacroTextSpec(n, simplify_repl=_args) for n in ("url", "textsuperscript")),
        *(MacroTextSpec(n, simplify_repl=_frac) for n in ("tfrac", "dfrac")),
        *(MacroTextSpec(n, simplify_repl=_cite) for n in ("cite", "citep", "citet")),
        MacroTextSpec("href", simplify_repl=_href),
    ]


@functools.cache
def _converter() -> LatexNodes2Text:
    """Build pylatexenc's converter with our corrections."""
    db = get_default_latex_context_db()
    db.add_context_category("surveysite", prepend=True, macros=_extra_macros())
    return LatexNodes2Text(latex_context=db, math_mode="text")
