"""Loading YAML a human wrote: safe_load, duplicate keys refused, errors with file and line.

Every YAML file goes through `load_model` (or `load_list`), which validates it with a
pydantic model and turns a validation error into `path:line: field: message`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from litsift.errors import InputError

M = TypeVar("M", bound=BaseModel)

# YAML 1.1 words PyYAML reads as booleans; a reviewer who wrote them meant a string.
_BOOL_WORDS = {"yes", "no", "on", "off", "true", "false", "y", "n"}


# libyaml's parser when PyYAML was built with it (about 20x faster than the pure-Python one);
# the constructor stays SafeConstructor either way, so no Python object can be built
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader that refuses duplicate keys instead of keeping the last one silently."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class LineMap:
    """Maps a pydantic error location (a tuple of keys and indexes) to a 1-based line."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, loc: Iterable[Any]) -> int | None:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
            best = node.start_mark.line + 1
        return best

    def node(self, loc: Iterable[Any]) -> yaml.Node | None:
        node = self.root
        for part in loc:
            node = _child(node, part)
            if node is None:
                return None
        return node


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == str(part):
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None


def read_yaml(path: str | Path, text: str | None = None) -> tuple[Any, LineMap]:
    """Parse a YAML file safely; returns the data and a LineMap for error reporting.

    The text is parsed once: the node tree keeps the line numbers and the data is built from
    it. The last few parses are remembered by content, so reading a file for its items and
    again for their lines costs one parse. Callers must not change the data they get.
    """
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as e:
            raise InputError(path, "file not found") from e
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 text ({e.reason})") from e
    try:
        return _parse(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise InputError(path, f"invalid YAML: {e.problem or e.context}", line, col) from e
    except yaml.YAMLError as e:
        raise InputError(path, f"invalid YAML: {e}") from e


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> tuple[Any, LineMap]:
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, LineMap(root)


def validation_error(
    path: str | Path, err: ValidationError, lines: LineMap, prefix: tuple[Any, ...] = ()
) -> InputError:
    """Turn the first pydantic error into an InputError naming file, line and field."""
    first = err.errors()[0]
    loc = prefix + tuple(first["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")  # our own validators' messages
    node = lines.node(loc)
    if isinstance(node, yaml.ScalarNode) and node.value.lower() in _BOOL_WORDS and not node.style:
        message += _boolean_hint(node.value, first)
    return InputError(path, f"{field}: {message}", lines.line(loc))


def _boolean_hint(word: str, error: Any) -> str:
    """Why a yes/no was refused: quoting it helps a free-text field, never a closed list."""
    if error.get("type") in ("enum", "literal_error"):
        return f" (YAML reads unquoted {word} as a boolean, and {word} is not one of these)"
    return f" (YAML reads unquoted {word} as a boolean; write '{word}')"


def load_model(path: str | Path, model: type[M], text: str | None = None) -> M:
    """Load one YAML mapping into a pydantic model, or raise InputError with a line."""
    data, lines = read_yaml(path, text)
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise validation_error(path, e, lines) from e


def load_list(
    path: str | Path, model: type[M], key: str | None = None, text: str | None = None
) -> list[M]:
    """Load a YAML sequence (top level, or under `key`) of items into models."""
    data, lines = read_yaml(path, text)
    prefix: tuple[Any, ...] = ()
    if key is not None:
        if data is None:
            return []
        if not isinstance(data, dict) or key not in data:
            raise InputError(path, f"expected a mapping with a '{key}' list", 1)
        data, prefix = data[key], (key,)
    if data is None:
        return []
    if not isinstance(data, list):
        raise InputError(path, "expected a list", lines.line(prefix))
    items = []
    for i, item in enumerate(data):
        try:
            items.append(model.model_validate(item))
        except ValidationError as e:
            raise validation_error(path, e, lines, (*prefix, i)) from e
    return items


def item_lines(path: str | Path, key: str | None = None, text: str | None = None) -> list[int]:
    """1-based start line of each item of the top-level (or `key`) sequence."""
    _, lines = read_yaml(path, text)
    node = lines.node((key,) if key else ())
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [n.start_mark.line + 1 for n in node.value]


def dump_yaml(data: Any) -> str:
    """Deterministic YAML for derived files (keys in insertion order, unicode kept)."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
