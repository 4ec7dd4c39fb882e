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
    """One parsed YAML file: its data and the position of each value and mapping key.

    The positions are read from the composed nodes, which the document keeps, when asked
    for (most values of a big file are never pointed at).
    """

    file: str
    data: Any
    root: yaml.Node | None = None
    _index: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def values(self) -> _Marks:
        """Where each value starts, by path (``path in doc.values``, ``.get(path)``)."""
        return _Marks(self, key=False)

    @property
    def keys(self) -> _Marks:
        """Where each mapping key starts, by the path of its value."""
        return _Marks(self, key=True)

    def location(self, path: YamlPath) -> Location:
        """Where the value at ``path`` (or its nearest written parent) starts."""
        found = self._walk(path)
        if found is None:
            return Location(self.file)
        mark = found[1].start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def key_location(self, path: YamlPath) -> Location:
        """Where the key of ``path`` was written (falls back to its value, then its parent)."""
        mark = self.keys.get(path)
        return Location(self.file, mark.line + 1, mark.column + 1) if mark else self.location(path)

    def _walk(self, path: YamlPath) -> tuple[int, yaml.Node, yaml.Node | None] | None:
        """How many parts of ``path`` were written, the value node of the last of them and
        its key node (None for the document and list items); None for an empty file."""
        node, key_node, depth = self.root, None, 0
        if node is None:
            return None
        for part in path:
            step = self._step(node, part)
            if step is None:
                break
            key_node, node = step
            depth += 1
        return depth, node, key_node

    def _step(self, node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
        if isinstance(node, yaml.SequenceNode):
            ok = type(part) is int and 0 <= part < len(node.value)
            return (None, node.value[part]) if ok else None
        if not isinstance(node, yaml.MappingNode) or not isinstance(part, str):
            return None
        index = self._index.get(id(node))
        if index is None:  # once per mapping pointed into (merge keys already flattened)
            index = self._index[id(node)] = {str(k.value): (k, v) for k, v in node.value}
        return index.get(part)


class _Marks:
    """The start marks of a document's values (or keys) by path, read from its nodes."""

    def __init__(self, doc: YamlDoc, *, key: bool) -> None:
        self.doc, self.key = doc, key

    def get(self, path: YamlPath) -> yaml.Mark | None:
        found = self.doc._walk(path)
        if found is None or found[0] != len(path):
            return None
        node = found[2] if self.key else found[1]
        return node.start_mark if node is not None else None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None


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
            doc.data = builder.build(node, 0)
            doc.root = node
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

    def build(self, node: yaml.Node, depth: int) -> Any:
        doc = self.doc
        self.budget -= 1
        if self.budget < 0:
            raise ConfigError(
                "the file expands to far more values than it holds (aliases of aliases, a "
                "'billion laughs'); write the values out or use fewer aliases",
                _mark(doc.file, node),
            )
        if depth > MAX_DEPTH:
            raise ConfigError(
                f"nesting deeper than {MAX_DEPTH} levels of mappings and lists",
                _mark(doc.file, node),
            )
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return self._text(node)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if id(node) in self.open:
                raise ConfigError("an alias refers to itself", _mark(doc.file, node))
            self.open.add(id(node))
            try:
                return self._collection(node, depth + 1)
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

    def _collection(self, node: yaml.Node, depth: int) -> Any:
        doc = self.doc
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth) for item in node.value]
        self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("mapping keys must be plain names", _mark(doc.file, key_node))
            key = str(key_node.value)  # keys are names: 'yes', 'on' and '1' stay text
            if key in result:
                raise ConfigError(f"duplicate key '{key}'", _mark(doc.file, key_node))
            result[key] = self.build(value_node, depth)
        return result
