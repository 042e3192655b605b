"""Write paper records as friendly YAML, and add to them by minimal text edits."""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml

__all__ = ["KEY_ORDER", "WRAP_WIDTH", "RecordEditError", "append_to_list", "dump_record"]

KEY_ORDER = (
    "title",
    "authors",
    "year",
    "venue",
    "arxiv",
    "doi",
    "url",
    "pdf",
    "code",
    "topics",
    "added",
    "sources",
    "abstract",
    "notes",
)
WRAP_WIDTH = 88
_BREAKS = "\n\x85\u2028\u2029"
_FOLD_OVER = 76  # longer strings are folded; shorter fit "abstract: '...'" in the width
_STR_TAG = "tag:yaml.org,2002:str"


class RecordEditError(ValueError):
    """A record's text cannot be edited safely; carries the path-free reason."""


class _RecordDumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key and folds long text."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def write_folded(self, text: str) -> None:
        """PyYAML's folded writer, but a line breaks before a word that would overflow.

        PyYAML breaks at the first space *past* the width, so its lines overshoot by a
        word. Only the break test differs from PyYAML 6's ``Emitter.write_folded``;
        ``dump_record`` re-loads what it writes, so a mistake here cannot lose data.
        """
        hints = self.determine_block_hints(text)
        self.write_indicator(">" + hints, True)
        if hints[-1:] == "+":
            self.open_ended = True
        self.write_line_break()
        leading_space, spaces, breaks = True, False, True
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if breaks:
                if ch is None or ch not in _BREAKS:
                    if not leading_space and ch is not None and ch != " " and text[start] == "\n":
                        self.write_line_break()
                    leading_space = ch == " "
                    for br in text[start:end]:
                        self.write_line_break(None if br == "\n" else br)
                    if ch is not None:
                        self.write_indent()
                    start = end
            elif spaces:
                if ch != " ":
                    if start + 1 == end and self._overflows(text, end):
                        self.write_indent()
                    else:
                        self._write_text(text[start:end])
                    start = end
            elif ch is None or ch in " " + _BREAKS:
                self._write_text(text[start:end])
                if ch is None:
                    self.write_line_break()
                start = end
            if ch is not None:
                breaks, spaces = ch in _BREAKS, ch == " "
            end += 1

    def _overflows(self, text: str, word_start: int) -> bool:
        """Tell whether the word at ``word_start``, after one space, passes the width."""
        word_end = word_start
        while word_end < len(text) and text[word_end] not in " " + _BREAKS:
            word_end += 1
        return self.column + 1 + (word_end - word_start) > self.best_width

    def _write_text(self, data: str) -> None:
        self.column += len(data)
        self.stream.write(data.encode(self.encoding) if self.encoding else data)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(_STR_TAG, value, style=_scalar_style(value))


_RecordDumper.add_representer(str, _represent_str)


class _QuotedDumper(_RecordDumper):
    """Last resort: every string double-quoted, which PyYAML always reads back."""


_QuotedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar(_STR_TAG, value, style='"')
)


def dump_record(fields: dict[str, Any]) -> str:
    """Return ``fields`` as YAML: fixed key order, block style, long text folded."""
    ordered = {k: fields[k] for k in KEY_ORDER if k in fields}
    ordered.update((k, v) for k, v in fields.items() if k not in ordered)
    text = _dump(ordered, _RecordDumper)
    if yaml.safe_load(text) != fields:  # safety net; _scalar_style probes each string
        text = _dump(ordered, _QuotedDumper)
    return text


def _dump(data: Any, dumper: type[yaml.SafeDumper]) -> str:
    return yaml.dump(
        data,
        Dumper=dumper,
        allow_unicode=True,
        default_flow_style=False,
        sort_keys=False,
        width=WRAP_WIDTH,
    )


@functools.lru_cache(maxsize=4096)
def _scalar_style(value: str) -> str | None:
    """Pick the friendliest style that reads back as ``value``.

    Literal for multi-line text, folded for long text, else PyYAML's choice; PyYAML
    gets a few strings wrong (``"\\x85"`` as a key), so each choice is tried first.
    """
    if "\n" in value.rstrip("\n"):
        preferred: tuple[str | None, ...] = ("|", None)
    elif len(value) > _FOLD_OVER:
        preferred = (">", None)
    else:
        preferred = (None,)
    return next((style for style in preferred if _round_trips(value, style)), '"')


def _round_trips(value: str, style: str | None) -> bool:
    dumper = type("_Probe", (_RecordDumper,), {})
    dumper.add_representer(str, lambda d, v: d.represent_scalar(_STR_TAG, v, style=style))
    data = {"k": value, "l": [value], value: "v"}
    try:
        return yaml.safe_load(_dump(data, dumper)) == data
    except yaml.YAMLError:
        return False


# --- minimal text edits -------------------------------------------------------------


def append_to_list(text: str, key: str, item: str) -> str:
    """Return ``text`` with ``item`` appended to the top-level list under ``key``.

    Only the new item is inserted; comments, formatting and key order stay. The result
    is re-parsed and must equal the old data plus the item, else RecordEditError.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        old = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RecordEditError(f"not valid YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not isinstance(old, dict):
        raise RecordEditError("the record is not a block mapping")
    if not isinstance(old.get(key, []), list | None):
        raise RecordEditError(f"{key} is not a list")
    new = _insert_item(text, root, key, _inline_scalar(item))
    expected = copy.deepcopy(old)
    expected[key] = [*(old.get(key) or []), item]
    if _safe_load_or_none(new) != expected:
        raise RecordEditError(f"cannot add to {key} without rewriting the file")
    return new


def _insert_item(text: str, root: yaml.MappingNode, key: str, item: str) -> str:
    """Insert ``item`` (already YAML-quoted) into the list under ``key``."""
    newline = "\r\n" if "\r\n" in text else "\n"
    values = [v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == key]
    if len(values) > 1:
        raise RecordEditError(f"{key} appears more than once")
    if not values:
        sep = "" if not text or text.endswith("\n") else newline
        return f"{text}{sep}{key}:{newline}  - {item}{newline}"
    node = values[0]
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        return _insert_in_flow_list(text, node, item)
    if isinstance(node, yaml.SequenceNode):
        line = f"{' ' * node.start_mark.column}- {item}{newline}"
        return _insert_at_line_start(text, node.value[-1].end_mark.index, line, newline)
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and not node.value:
        return _insert_at_line_start(text, node.end_mark.index, f"  - {item}{newline}", newline)
    raise RecordEditError(f"{key} is not a list")


def _insert_in_flow_list(text: str, node: yaml.SequenceNode, item: str) -> str:
    close = node.end_mark.index - 1
    if text[close : close + 1] != "]":
        raise RecordEditError("unexpected flow list layout")
    return f"{text[:close]}{', ' if node.value else ''}{item}{text[close:]}"


def _insert_at_line_start(text: str, pos: int, line: str, newline: str) -> str:
    """Insert ``line`` at the start of the line after the one holding ``pos - 1``."""
    if pos > 0 and text[pos - 1] != "\n":
        end = text.find("\n", pos)
        if end == -1:
            return f"{text}{newline}{line}"
        pos = end + 1
    return f"{text[:pos]}{line}{text[pos:]}"


def _inline_scalar(value: str) -> str:
    """Return ``value`` as a one-line YAML scalar usable in block and flow lists."""
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=10**9)
    inner = dumped.strip()[1:-1]
    if "\n" in inner:
        raise RecordEditError(f"cannot write {value!r} on one line")
    return inner


def _safe_load_or_none(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None
