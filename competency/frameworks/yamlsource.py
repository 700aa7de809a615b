"""YAML parsing that remembers where every mapping, key and list item came from.

Validators report "file:line: what is wrong", so the parsed values carry their line
numbers: mappings become :class:`LineDict` and sequences :class:`LineList`. Only the
safe YAML subset is accepted (no Python object tags).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode

try:  # the C parser is much faster on the shipped files; same safe semantics
    from yaml import CSafeLoader as _BaseLoader  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - pure Python fallback
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class LineDict(dict):
    """A mapping from YAML with ``line`` (1-based) and the line of each key."""

    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML with ``line`` and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class LineLoader(_BaseLoader):
    """SafeLoader that builds :class:`LineDict`/:class:`LineList` with line numbers."""

    def construct_yaml_map(self, node: MappingNode):  # type: ignore[override]
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key '{key}' appears twice in this mapping (first on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node: SequenceNode):  # type: ignore[override]
        data = LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_yaml_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_yaml_seq)


@dataclass(frozen=True)
class YamlDocument:
    """One document of a (possibly multi-document) YAML file."""

    source: str
    line: int
    data: Any


class YamlSyntaxError(Exception):
    """The file is not valid YAML; ``line`` says where the parser gave up."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.message = message


def parse_yaml_text(text: str, source: str) -> list[YamlDocument]:
    """Parse every document in ``text``; raise :class:`YamlSyntaxError` with a line on failure."""
    loader = LineLoader(text)
    documents: list[YamlDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - defensive
                break
            data = loader.construct_document(node)
            documents.append(YamlDocument(source=source, line=node.start_mark.line + 1, data=data))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        raise YamlSyntaxError(source, line, f"YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(source, None, f"YAML syntax error: {exc}") from exc
    finally:
        loader.dispose()
    return documents


def parse_yaml_file(path: Path, display: str | None = None) -> list[YamlDocument]:
    source = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(source, None, f"the file is not UTF-8 text ({exc.reason})") from exc
    return parse_yaml_text(text, source)
