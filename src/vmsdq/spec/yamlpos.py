"""YAML loading that remembers where every key and value was written.

PyYAML's composer gives nodes with marks; we build the plain Python data from them and keep a
map from each value's path (``("fields", "email", "format")``, list items by index) to its
``Location``, so any later error can point at ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vmsdq.core.errors import ConfigError, Location

YamlPath = tuple[str | int, ...]
_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


@dataclass
class YamlDoc:
    """One parsed YAML file: its data and the position of each value and mapping key."""

    file: str
    data: Any
    values: dict[YamlPath, Location] = field(default_factory=dict)
    keys: dict[YamlPath, Location] = field(default_factory=dict)

    def location(self, path: YamlPath) -> Location:
        """Where the value at ``path`` (or its nearest written parent) starts."""
        while path and path not in self.values:
            path = path[:-1]
        return self.values.get(path, Location(self.file))

    def key_location(self, path: YamlPath) -> Location:
        """Where the key of ``path`` was written (falls back to its value, then its parent)."""
        return self.keys.get(path) or self.location(path)


def dotted(path: YamlPath) -> str:
    """``("rules", 2, "check")`` -> ``rules[2].check``: how users see a path in messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def load_yaml(path: str | Path) -> YamlDoc:
    """Read a YAML file; syntax errors and duplicate keys raise ``ConfigError`` with a line."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read file: {e.strerror or e}", Location(file)) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = YamlDoc(file, None)
        if node is not None:
            doc.data = _build(loader, node, (), doc)
        return doc
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        what = " ".join(p for p in (e.context, e.problem) if p)
        raise ConfigError(f"YAML syntax error: {what}", where) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"YAML syntax error: {e}", Location(file)) from None
    finally:
        loader.dispose()


def _mark(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(loader: Any, node: yaml.Node, path: YamlPath, doc: YamlDoc) -> Any:
    doc.values[path] = _mark(doc.file, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("mapping keys must be plain names", _mark(doc.file, key_node))
            key = str(key_node.value)  # keys are names: 'yes', 'on' and '1' stay text
            if key in result:
                raise ConfigError(f"duplicate key '{key}'", _mark(doc.file, key_node))
            doc.keys[(*path, key)] = _mark(doc.file, key_node)
            result[key] = _build(loader, value_node, (*path, key), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
        return node.value  # YAML 1.2: yes/no/on/off are text (picklist values), not booleans
    return loader.construct_object(node, deep=True)
