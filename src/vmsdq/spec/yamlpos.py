"""YAML loading that remembers where every key and value was written.

PyYAML's composer gives nodes with marks; we build the plain Python data from them and keep a
map from each value's path (``("fields", "email", "format")``, list items by index) to its
``Location``, so any later error can point at ``file:line:column``.

Hostile files are bounded: values reached through aliases count against a budget (a
"billion laughs" file is refused at once), nesting is limited, bytes that are not UTF-8 are
reported with their offset, and a scalar YAML cannot construct (``2024-02-30``) is an error
at its position.

The project file is read with ``interpolate=True``: ``${VAR}`` in any string is replaced by
the environment variable (``vmsdq.spec.envvars``), an unset one is an error at its position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vmsdq.core.errors import ConfigError, Location
from vmsdq.spec.envvars import interpolate as substitute

YamlPath = tuple[str | int, ...]
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster
MAX_DEPTH = 64  # nested mappings and lists
MIN_BUDGET = 10_000  # values a file may build beyond its own length through aliases
_TYPE_NAMES = {"timestamp": "date", "int": "integer", "float": "number"}


@dataclass
class YamlDoc:
    """One parsed YAML file: its data and the position of each value and mapping key."""

    file: str
    data: Any
    values: dict[YamlPath, yaml.Mark] = field(default_factory=dict)  # where each value starts
    keys: dict[YamlPath, yaml.Mark] = field(default_factory=dict)  # where each key starts

    def location(self, path: YamlPath) -> Location:
        """Where the value at ``path`` (or its nearest written parent) starts."""
        while path and path not in self.values:
            path = path[:-1]
        mark = self.values.get(path)
        return Location(self.file, mark.line + 1, mark.column + 1) if mark else Location(self.file)

    def key_location(self, path: YamlPath) -> Location:
        """Where the key of ``path`` was written (falls back to its value, then its parent)."""
        mark = self.keys.get(path)
        return Location(self.file, mark.line + 1, mark.column + 1) if mark else self.location(path)


def dotted(path: YamlPath) -> str:
    """``("rules", 2, "check")`` -> ``rules[2].check``: how users see a path in messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def load_yaml(path: str | Path, *, interpolate: bool = False) -> YamlDoc:
    """Read a YAML file; syntax errors and duplicate keys raise ``ConfigError`` with a line.

    With ``interpolate``, ``${VAR}`` and ``${VAR:-default}`` in strings read the environment.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read file: {e.strerror or e}", Location(file)) from None
    text = _decode(file, raw)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = YamlDoc(file, None)
        if node is not None:
            builder = _Builder(loader, doc, budget=len(text) + MIN_BUDGET, interpolate=interpolate)
            doc.data = builder.build(node, ())
        return doc
    except RecursionError:
        raise ConfigError(
            f"the file nests mappings and lists more than {MAX_DEPTH} levels deep", Location(file)
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        what = " ".join(p for p in (e.context, e.problem) if p)
        raise ConfigError(f"YAML syntax error: {what}", where) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"YAML syntax error: {e}", Location(file)) from None
    finally:
        loader.dispose()


def _decode(file: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ConfigError(
            f"the file is not UTF-8 text: byte 0x{raw[e.start]:02x} at byte offset {e.start}",
            Location(file, line, column),
        ) from None


def _mark(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Plain data from composed nodes, with positions, an alias budget and a depth limit."""

    def __init__(self, loader: Any, doc: YamlDoc, budget: int, interpolate: bool) -> None:
        self.loader, self.doc, self.budget = loader, doc, budget
        self.interpolate = interpolate
        self.open: set[int] = set()  # collections being built (a recursive alias)

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        doc = self.doc
        self.budget -= 1
        if self.budget < 0:
            raise ConfigError(
                "the file expands to far more values than it holds (aliases of aliases, a "
                "'billion laughs'); write the values out or use fewer aliases",
                _mark(doc.file, node),
            )
        if len(path) > MAX_DEPTH:
            raise ConfigError(
                f"nesting deeper than {MAX_DEPTH} levels of mappings and lists",
                _mark(doc.file, node),
            )
        doc.values[path] = node.start_mark
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return self._text(node)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if id(node) in self.open:
                raise ConfigError("an alias refers to itself", _mark(doc.file, node))
            self.open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self.open.discard(id(node))
        if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
            return node.value  # YAML 1.2: yes/no/on/off are text (picklist values), not booleans
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as e:
            kind = node.tag.rsplit(":", 1)[-1]
            raise ConfigError(
                f"{node.value!r} is not a valid {_TYPE_NAMES.get(kind, kind)} ({e})",
                _mark(doc.file, node),
            ) from None

    def _text(self, node: yaml.ScalarNode) -> str:
        if not self.interpolate:
            return str(node.value)
        try:
            return substitute(node.value)
        except ValueError as e:
            raise ConfigError(str(e), _mark(self.doc.file, node)) from None

    def _collection(self, node: yaml.Node, path: YamlPath) -> Any:
        doc = self.doc
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("mapping keys must be plain names", _mark(doc.file, key_node))
            key = str(key_node.value)  # keys are names: 'yes', 'on' and '1' stay text
            if key in result:
                raise ConfigError(f"duplicate key '{key}'", _mark(doc.file, key_node))
            doc.keys[(*path, key)] = key_node.start_mark
            result[key] = self.build(value_node, (*path, key))
        return result
