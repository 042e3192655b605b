"""YAML loading that remembers the line of every mapping key and list item."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the 1-based line of each key (`lines[key]`)."""

    lines: dict[str, int]
    line: int

    def __reduce__(self):  # pickled as plain values: the build cache holds ten thousands
        return _line_dict, (list(self.items()), list(self.lines.items()), self.line)


class LineList(list):
    """A list that knows the 1-based line of each item (`lines[i]`)."""

    lines: list[int]
    line: int

    def __reduce__(self):
        return _line_list, (list(self), self.lines, self.line)


def _line_dict(items: list, lines: list, line: int) -> LineDict:
    result = LineDict(items)
    result.lines, result.line = dict(lines), line
    return result


def _line_list(items: list, lines: list[int], line: int) -> LineList:
    result = LineList(items)
    result.lines, result.line = lines, line
    return result


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


class _LineLoader(_BaseLoader):
    """SafeLoader whose mappings and sequences carry source lines."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "expected a simple key", key_node.start_mark
            )
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str) -> Any:
    """Parse YAML text; mappings become LineDict, lists LineList. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_LineLoader)


def error_line(error: yaml.YAMLError) -> int:
    """The 1-based line a YAML error points at (0 when unknown)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark else 0


def error_message(error: yaml.YAMLError) -> str:
    """A one-line description of a YAML error, naming where an unclosed construct began."""
    context, problem = getattr(error, "context", None), getattr(error, "problem", None)
    if not problem:
        return f"invalid YAML: {str(error).splitlines()[0]}"
    context_mark, problem_mark = (
        getattr(error, "context_mark", None),
        getattr(error, "problem_mark", None),
    )
    if context and context_mark and problem_mark and context_mark.line != problem_mark.line:
        context = f"{context} (started on line {context_mark.line + 1})"
    return "invalid YAML: " + ", ".join(part for part in (context, problem) if part)
