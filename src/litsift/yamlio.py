"""Loading YAML a human wrote: safe_load, duplicate keys refused, errors with file and line.

Every YAML file goes through `load_model` (or `load_list`), which validates it with a
pydantic model and turns a validation error into `path:line: field: message`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
YAML_LOADER = _BaseLoader  # for a caller that needs only the events or the nodes


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
    path: str | Path,
    err: ValidationError,
    lines: LineMap | ItemLines,
    prefix: tuple[Any, ...] = (),
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


# --------------------------------------------------------------------------- long lists


class ItemLines:
    """A LineMap for a list read in parts: each item's line is known; anything deeper
    (a field's line, a node for an error hint) comes from a full parse, made on demand."""

    def __init__(self, text: str, item_lines: Sequence[int]) -> None:
        self.text = text
        self.item_lines = item_lines

    @property
    def root(self) -> yaml.Node | None:
        return _parse(self.text)[1].root

    def line(self, loc: Iterable[Any]) -> int | None:
        loc = tuple(loc)
        if len(loc) == 1 and isinstance(loc[0], int) and 0 <= loc[0] < len(self.item_lines):
            return self.item_lines[loc[0]]
        return _parse(self.text)[1].line(loc)

    def node(self, loc: Iterable[Any]) -> yaml.Node | None:
        return _parse(self.text)[1].node(loc)


@dataclass(frozen=True)
class ListMemo:
    """A list file as it was last read: its first `length` bytes (their SHA-256), the
    column of its dashes, and its items with their lines."""

    length: int
    sha256: str
    indent: int
    items: list[Any]
    item_lines: list[int]


def read_yaml_list(
    path: str | Path, text: str, memo: ListMemo | None
) -> tuple[Any, LineMap | ItemLines, ListMemo | None]:
    """`read_yaml` of a file holding one top-level list that mostly grows at its end (a
    reviewer file), using `memo` (how the file was last read) to parse only what follows
    the bytes that did not change. Returns the data, their lines and the memo to keep.

    The shortcut is taken only where it must give what a full parse gives: the earlier
    bytes are the same, they held a whole list with no document markers, and the new text
    starts with an item of that list at its column (so it cannot continue the last item).
    Anything else (an edit above, an anchor used across the parts, broken YAML) is read
    by a full parse, which also names the line of any error."""
    raw = text.encode("utf-8")
    if memo is not None and len(raw) >= memo.length:
        head = raw[: memo.length]
        if hashlib.sha256(head).hexdigest() == memo.sha256:
            offset = head.count(b"\n")
            tail = _tail_items(raw[memo.length :].decode("utf-8"), memo.indent, offset)
            if tail is not None:
                items, lines = memo.items + tail[0], memo.item_lines + tail[1]
                return items, ItemLines(text, lines), _memo(raw, memo.indent, items, lines)
    data, lines = read_yaml(path, text)
    kept = None
    root = lines.root
    if isinstance(data, list) and data and isinstance(root, yaml.SequenceNode):
        item_lines = [n.start_mark.line + 1 for n in root.value]
        kept = _memo(raw, root.start_mark.column, data, item_lines)  # the dashes' column
    return data, lines, kept


def _memo(raw: bytes, indent: int, items: list[Any], lines: list[int]) -> ListMemo | None:
    text = raw.decode("utf-8")
    if not raw.endswith(b"\n") or _has_markers(text):
        return None
    return ListMemo(len(raw), hashlib.sha256(raw).hexdigest(), indent, list(items), list(lines))


def _has_markers(text: str) -> bool:
    """What could make two parts read apart differ from the whole: document markers and
    directives, and block scalars that keep their trailing blank lines (|+ and >+)."""
    lines = text.splitlines()
    return any(ln.startswith(("---", "...", "%")) for ln in lines) or any(
        "|+" in ln or ">+" in ln for ln in lines
    )


def _shallow_comment(line: str, indent: int) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("#") and len(line) - len(stripped) <= indent


def _tail_items(tail: str, indent: int, offset: int) -> tuple[list[Any], list[int]] | None:
    """The items of the text that follows a memo's bytes, with their lines, or None
    when the text may not be read apart from what precedes it."""
    # a comment no deeper than the dashes cannot be the last item's text
    content = [ln for ln in tail.splitlines() if ln.strip() and not _shallow_comment(ln, indent)]
    if not content:
        return [], []
    first = content[0]
    if not (first.startswith(" " * indent + "-") and first[indent + 1 : indent + 2] in ("", " ")):
        return None
    if _has_markers(tail):
        return None
    try:
        data, lines = _parse(tail)
    except yaml.YAMLError:
        return None
    root = lines.root
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        return None
    if root.start_mark.column != indent:
        return None
    return list(data), [n.start_mark.line + 1 + offset for n in root.value]
