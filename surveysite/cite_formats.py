"""A paper as a citation: BibTeX, RIS and CSL-JSON, under a stable, readable key.

Keys look like Google Scholar's: first author's surname, year, first significant title
word (`vaswani2017attention`); without authors the first title word takes the surname's
place (`attention2017need`). Two papers with one key are told apart by `-2`, `-3`, in
order of `added` then id, so adding a paper never changes the key of an older one.

The formats carry what a reference needs, not the abstract (it is on the paper's page).
BibTeX is written as UTF-8 (biber, bibtex8 and BibTeX with inputenc read it); TeX's
special characters are escaped and words whose capitals a style must keep (acronyms,
CamelCase, and in sentence-case titles also capitalised names) are protected by braces.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .records import Paper
from .slugs import FALLBACK_SLUG, slugify

__all__ = [
    "CONFERENCE",
    "JOURNAL",
    "MISC",
    "Kind",
    "NameParts",
    "arxiv_abs_url",
    "arxiv_pdf_url",
    "base_key",
    "bibtex",
    "cite_keys",
    "csl_item",
    "csl_json",
    "paper_kind",
    "protect_title",
    "ris",
    "split_name",
    "tex_escape",
]

STOPWORDS = frozenset(
    "a an the and or but nor for so yet as at by in of off on per to up via vs with from into"  # noqa: SIM905
    " onto over than upon is are be do does can we our its it this that toward towards".split()
)
NAME_PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le ten ter bin ibn al el zu".split()  # noqa: SIM905
)
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
KEY_WORD_CHARS = 20
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "`": r"\textasciigrave{}",
}
_TEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _TEX_SPECIALS))
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAY_NEED_ESCAPE = re.compile(r"[\\{}$%&#_~^`\x00-\x1f\x7f]|--|[^\S ]|\s\s|^\s|\s$")
_TOKEN_RE = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_JOURNAL_RE = re.compile(
    r"\b(journal|transactions|letters|review|magazine|nature|science|annals|bulletin|jmlr|"
    r"tmlr|pami|tpami|neural computation|neural networks|neurocomputing|plos|pnas|elife)\b",
    re.IGNORECASE,
)
_CONFERENCE_RE = re.compile(
    r"\b(conference|proceedings|proc|workshops?|symposium|meeting|congress|advances in neural|"
    r"neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|eacl|coling|aaai|ijcai|kdd|"
    r"sigir|www|interspeech|icassp|uai|aistats|colt|corl|icra|iros|miccai|wacv|bmvc|ecai|"
    r"ecml|ijcnn|icann|iconip|findings)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Kind:
    """What sort of publication a paper is, in each format's vocabulary."""

    bibtex: str
    venue_field: str  # the BibTeX field that holds the venue
    ris: str
    csl: str


JOURNAL = Kind("article", "journal", "JOUR", "article-journal")
CONFERENCE = Kind("inproceedings", "booktitle", "CPAPER", "paper-conference")
MISC = Kind("misc", "howpublished", "GEN", "article")  # preprints and unknown venues


@dataclass(frozen=True)
class NameParts:
    """A person's name split for citation formats; `given` empty for one-word names."""

    given: str
    family: str
    suffix: str = ""


def paper_kind(paper: Paper) -> Kind:
    """Journal article, conference paper, or (preprint, unknown venue) misc."""
    venue = paper.venue or ""
    if re.search(r"\b(arxiv|corr|preprint)\b", venue, re.IGNORECASE):
        return MISC
    if _JOURNAL_RE.search(venue):
        return JOURNAL
    if _CONFERENCE_RE.search(venue):
        return CONFERENCE
    return MISC


def arxiv_abs_url(arxiv: str) -> str:
    """The arXiv abstract page of an id."""
    return f"https://arxiv.org/abs/{arxiv}"


def arxiv_pdf_url(arxiv: str) -> str:
    """The arXiv PDF of an id."""
    return f"https://arxiv.org/pdf/{arxiv}"


def paper_link(paper: Paper) -> str | None:
    """The paper's own web address: its `url`, else its arXiv page."""
    if paper.url:
        return paper.url
    return arxiv_abs_url(paper.arxiv) if paper.arxiv else None


# --- names and keys -------------------------------------------------------------------


def split_name(name: str) -> NameParts:
    """Split `Given [particle] Family [Jr.]` or `Family, Given` into parts."""
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return NameParts(given, family)
    tokens = name.split(" ")
    suffix = ""
    if len(tokens) > 2 and tokens[-1].casefold() in NAME_SUFFIXES:
        suffix = tokens.pop()
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in NAME_PARTICLES:
        start -= 1
    return NameParts(" ".join(tokens[:start]), " ".join(tokens[start:]), suffix)


def _key_word(text: str) -> str:
    """`text` as one lowercase ASCII word for a key ('' when nothing is left)."""
    slug = slugify(text)
    if slug == FALLBACK_SLUG and FALLBACK_SLUG not in text.casefold():
        return ""
    return slug.replace("-", "")[:KEY_WORD_CHARS]


def title_words(title: str) -> list[str]:
    """The title's significant words as lowercase ASCII, stopwords left out."""
    words = [w for w in slugify(title).split("-") if w]
    if words == [FALLBACK_SLUG] and FALLBACK_SLUG not in title.casefold():
        return []
    return [w for w in words if w not in STOPWORDS] or words


def base_key(paper: Paper) -> str:
    """The key before disambiguation: surname (or title word), year, title word."""
    words = [w[:KEY_WORD_CHARS] for w in title_words(paper.title)]
    surname = _key_word(split_name(paper.authors[0]).family) if paper.authors else ""
    first = surname or (words.pop(0) if words else "")
    year = str(paper.year) if paper.year else ""
    second = words[0] if words else ""
    return f"{first}{year}{second}" or "paper"


def cite_keys(papers: Mapping[str, Paper]) -> dict[str, str]:
    """A unique citation key for every paper, by paper id (memoised per papers mapping)."""
    return _memoised("keys", papers, _cite_keys)


def key_fields(paper: Paper) -> tuple:
    """What of one paper the citation keys are made from."""
    return paper.id, paper.authors[:1], paper.year, paper.title, paper.added


def bibtex_inputs(paper: Paper) -> tuple:
    """What of one paper its BibTeX entry is made from (with its citation key)."""
    return (
        paper.id,
        paper.title,
        paper.authors,
        paper.year,
        paper.venue,
        paper.doi,
        paper.arxiv,
        paper.url,
    )


def use_cite_keys(papers: Mapping[str, Paper], keys: dict[str, str]) -> None:
    """Let `cite_keys(papers)` return `keys`, made earlier from the same `key_fields` of
    each paper."""
    _CACHE["keys"] = (papers, len(papers), keys)


def _cite_keys(papers: Mapping[str, Paper]) -> dict[str, str]:
    groups: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers.values():
        groups[base_key(paper)].append(paper)
    keys = {}
    for key, members in sorted(groups.items()):
        members.sort(key=lambda p: (p.added or date.max, p.id))
        keys[members[0].id] = key
        for n, paper in enumerate(members[1:], start=2):
            keys[paper.id] = f"{key}-{n}"
    return keys


def bibtex_entries(papers: Mapping[str, Paper]) -> dict[str, str]:
    """Every paper's BibTeX entry by id (memoised: paper pages and .bib files share them)."""

    def entries(papers: Mapping[str, Paper]) -> dict[str, str]:
        keys = cite_keys(papers)
        return {pid: bibtex(paper, keys[pid]) for pid, paper in papers.items()}

    return _memoised("bibtex", papers, entries)


def bibtex_entry(papers: Mapping[str, Paper], paper_id: str) -> str:
    """One paper's BibTeX entry: from bibtex_entries when they are made already, else alone."""
    cached = _CACHE.get("bibtex")
    if cached is not None and cached[0] is papers and cached[1] == len(papers):
        return cached[2][paper_id]
    return bibtex(papers[paper_id], cite_keys(papers)[paper_id])


def _memoised(name: str, papers: Mapping[str, Paper], compute: Callable) -> dict[str, str]:
    """What `compute(papers)` returns, kept for the last papers mapping seen."""
    cached = _CACHE.get(name)
    if cached is not None and cached[0] is papers and cached[1] == len(papers):
        return cached[2]
    result = compute(papers)
    _CACHE[name] = (papers, len(papers), result)
    return result


# Results that depend on all papers, asked for once per page: keep the last set's.
_CACHE: dict[str, tuple[Mapping[str, Paper], int, dict[str, str]]] = {}


# --- BibTeX ---------------------------------------------------------------------------


def tex_escape(text: str) -> str:
    """Escape TeX's special characters; `--` stays two hyphens (`-{}-`)."""
    if not _MAY_NEED_ESCAPE.search(text):
        return text
    text = _CONTROL_CHARS_RE.sub("", " ".join(text.split()))
    escaped = _TEX_SPECIAL_RE.sub(lambda m: _TEX_SPECIALS[m.group()], text)
    return re.sub(r"-(?=-)", "-{}", escaped)


def _is_sentence_case(tokens: list[tuple[str, bool]]) -> bool:
    """Whether a long, non-stopword word after the first starts in lower case."""
    for core, starts_sentence in tokens:
        word = re.sub(r"\W", "", core)
        significant = len(word) >= 4 and word.casefold() not in STOPWORDS
        if not starts_sentence and significant and word[0].islower():
            return True
    return False


def _needs_protection(core: str, starts_sentence: bool, sentence_case: bool) -> bool:
    """Whether a BibTeX style must not change the case of this word."""
    if any(c.isupper() for c in core[1:]):
        return True  # BERT, ResNet, GPT-4, iPhone, 3D
    if len(core) == 1 and core.isupper() and core != "A":
        return True
    return sentence_case and not starts_sentence and core[:1].isupper()


def protect_title(title: str) -> str:
    """Escape a title for BibTeX and brace the words whose capitals must stay."""
    raw_tokens = " ".join(title.split()).split(" ")
    parts, starts = [], True
    for token in raw_tokens:
        lead, core, trail = _TOKEN_RE.match(token).groups()
        parts.append((lead, core, trail, starts))
        starts = bool(re.search(r"[:?!.\u2013\u2014]$", token)) or token in ("-", "--")
    sentence_case = _is_sentence_case([(core, s) for _, core, _, s in parts])
    out = []
    for lead, core, trail, starts_sentence in parts:
        text = tex_escape(core)
        if core and _needs_protection(core, starts_sentence, sentence_case):
            text = "{" + text + "}"
        out.append(tex_escape(lead) + text + tex_escape(trail))
    return " ".join(out)


def _bib_name(name: str) -> str:
    """An author for BibTeX; a name with the word 'and' (or just 'others') is braced whole."""
    escaped = tex_escape(name)
    words = {word.casefold() for word in name.split()}
    return "{" + escaped + "}" if "and" in words or words == {"others"} else escaped


def _balanced(value: str) -> bool:
    depth = 0
    for ch in value:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def bibtex_fields(paper: Paper) -> list[tuple[str, str]]:
    """The entry's fields, in order, as they are written between braces."""
    kind = paper_kind(paper)
    fields = [("title", protect_title(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(_bib_name(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.venue:
        fields.append((kind.venue_field, tex_escape(paper.venue)))
    if paper.doi and _balanced(paper.doi):
        fields.append(("doi", paper.doi))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archiveprefix", "arXiv")]
    link = paper_link(paper)
    if link and _balanced(link):
        fields.append(("url", link))
    return fields


def bibtex(paper: Paper, key: str) -> str:
    """One BibTeX entry."""
    kind = paper_kind(paper)
    lines = [f"@{kind.bibtex}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in bibtex_fields(paper)]
    return "\n".join(lines) + "\n}\n"


# --- RIS ------------------------------------------------------------------------------


def _ris_value(text: str) -> str:
    return _CONTROL_CHARS_RE.sub("", " ".join(text.split()))


def _ris_name(name: str) -> str:
    parts = split_name(name)
    if not parts.given:
        return parts.family
    return ", ".join(p for p in (parts.family, parts.given, parts.suffix) if p)


def ris(paper: Paper, key: str) -> str:
    """One RIS record: `TY` first, `ER` last, one `TAG  - value` per line (CRLF)."""
    kind = paper_kind(paper)
    tags: list[tuple[str, str]] = [("TY", kind.ris), ("ID", key), ("TI", paper.title)]
    tags += [("AU", _ris_name(a)) for a in paper.authors]
    if paper.year:
        tags.append(("PY", str(paper.year)))
    if paper.venue:
        tags.append(("T2", paper.venue))
    if paper.doi:
        tags.append(("DO", paper.doi))
    link = paper_link(paper)
    if link:
        tags.append(("UR", link))
    pdf = paper.pdf or (arxiv_pdf_url(paper.arxiv) if paper.arxiv else None)
    if pdf:
        tags.append(("L1", pdf))
    if paper.arxiv:
        tags.append(("M1", f"arXiv:{paper.arxiv}"))
    lines = [f"{tag}  - {_ris_value(value)}" for tag, value in tags]
    return "\r\n".join([*lines, "ER  - "]) + "\r\n"


# --- CSL-JSON -------------------------------------------------------------------------


def _csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    if not parts.given:
        return {"literal": parts.family}
    result = {"family": parts.family, "given": parts.given}
    if parts.suffix:
        result["suffix"] = parts.suffix
    return result


def csl_item(paper: Paper, key: str) -> dict[str, Any]:
    """One CSL-JSON item (the schema's required `id` and `type`, then what is known)."""
    kind = paper_kind(paper)
    item: dict[str, Any] = {"id": key, "type": kind.csl, "title": paper.title}
    if paper.authors:
        item["author"] = [_csl_name(a) for a in paper.authors]
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    elif paper.arxiv:
        item["publisher"] = "arXiv"
    if paper.arxiv:
        item["number"] = f"arXiv:{paper.arxiv}"
    if paper.doi:
        item["DOI"] = paper.doi
    link = paper_link(paper)
    if link:
        item["URL"] = link
    return item


def csl_json(paper: Paper, key: str) -> str:
    """A CSL-JSON file with one item (an array, as Zotero and pandoc read it).

    One field per line, each author on a line of its own, so it reads well on the page.
    """
    lines = []
    for name, value in csl_item(paper, key).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            inner = ",\n".join(f"      {_compact(v)}" for v in value)
            lines.append(f"    {_compact(name)}: [\n{inner}\n    ]")
        else:
            lines.append(f"    {_compact(name)}: {_compact(value)}")
    return "[\n  {\n" + ",\n".join(lines) + "\n  }\n]\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
