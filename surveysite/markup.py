"""Markdown for curators' text: CommonMark without raw HTML, plus `[@paper-id]` citations."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .urls import unsafe_link_reason

CITATION = re.compile(r"\[\s*@([a-z0-9][a-z0-9-]*)((?:\s*[;,]\s*@[a-z0-9][a-z0-9-]*)*)\s*\]")
CITE_ID = re.compile(r"@([a-z0-9][a-z0-9-]*)")


@dataclass(frozen=True)
class Citation:
    """A `[@id]` in a text, with its line in the source file."""

    paper_id: str
    line: int


@dataclass(frozen=True)
class LinkRef:
    """A link or image target in a text, with its line in the source file."""

    href: str
    line: int


def citation_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: `[@a]` or `[@a; @b]` becomes one `citation` token."""
    if state.src[state.pos] != "[":
        return False
    found = CITATION.match(state.src, state.pos)
    if not found:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"ids": CITE_ID.findall(found.group(0))}
    state.pos = found.end()
    return True


def make_parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough, raw HTML off, citations on."""
    parser = MarkdownIt("commonmark", {"html": False, "typographer": True})
    parser.enable(["table", "strikethrough", "replacements", "smartquotes"])
    parser.inline.ruler.before("link", "citation", citation_rule)
    parser.validateLink = lambda url: True  # parse every link so checks can report bad ones
    return parser


PARSER = make_parser()


def parse(text: str) -> list[Token]:
    """Parse Markdown into block tokens (each with `.map` source lines)."""
    return PARSER.parse(text)


def walk_inline(tokens: Sequence[Token], first_line: int):
    """Yield (inline child token, absolute line) for every inline token."""
    for block in tokens:
        line = first_line + (block.map[0] if block.map else 0)
        for child in block.children or ():
            yield child, line


def citations(tokens: Sequence[Token], first_line: int) -> list[Citation]:
    """Every cited paper id, in order of appearance, with its line."""
    return [
        Citation(paper_id, line)
        for child, line in walk_inline(tokens, first_line)
        if child.type == "citation"
        for paper_id in child.meta["ids"]
    ]


def links(tokens: Sequence[Token], first_line: int) -> list[LinkRef]:
    """Every link and image target, with its line (to refuse unsafe schemes)."""
    found = []
    for child, line in walk_inline(tokens, first_line):
        href = child.attrGet("href") if child.type == "link_open" else child.attrGet("src")
        if child.type in ("link_open", "image") and href is not None:
            found.append(LinkRef(str(href), line))
    return found


def unsafe_links(tokens: Sequence[Token], first_line: int) -> list[tuple[LinkRef, str]]:
    """Links with a forbidden scheme, and why (render() also neutralises them)."""
    return [
        (ref, reason)
        for ref in links(tokens, first_line)
        if (reason := unsafe_link_reason(ref.href))
    ]


CiteLink = Callable[[str], tuple[str, str, str]]


def render(tokens: Sequence[Token], cite_link: CiteLink) -> str:
    """Render tokens to HTML; `cite_link(id)` gives (href, title, label) for a citation."""

    def render_citation(tokens, index, options, env) -> str:
        parts = []
        for paper_id in tokens[index].meta["ids"]:
            href, title, label = cite_link(paper_id)
            parts.append(
                f'<a class="cite" href="{escape(href)}" title="{escape(title)}">{escape(label)}</a>'
            )
        return '<span class="citation">[' + ", ".join(parts) + "]</span>"

    for child, _ in walk_inline(tokens, 0):
        for name in ("href", "src"):
            if unsafe_link_reason(str(child.attrGet(name) or "")):
                child.attrSet(name, "#")
    renderer = PARSER.renderer
    renderer.rules["citation"] = render_citation
    return renderer.render(list(tokens), PARSER.options, {})


def escape(value: str) -> str:
    """Escape text for an HTML attribute or element."""
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
