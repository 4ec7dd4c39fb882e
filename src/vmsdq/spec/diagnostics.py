"""Turn Pydantic validation errors into ``ConfigError``s users can act on.

Each error points at the offending key or value (``file:line:column``), shows the bad value
and what is allowed: the valid keys of a mapping, the values of an enum, the rule types.
Errors of union members that do not match the value's shape are dropped (a mapping given for
``required`` is judged as options, not as a boolean).
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from vmsdq.core.errors import ConfigError
from vmsdq.spec.assembled import Registered
from vmsdq.spec.yamlpos import YamlDoc, YamlPath, dotted

_SCALAR_ERRORS = {
    "bool_type", "bool_parsing", "string_type", "int_type", "int_parsing", "int_from_float",
    "float_type", "float_parsing", "list_type", "enum", "literal_error",
}  # fmt: skip
_EXPECTED = {
    "bool_type": "true or false", "bool_parsing": "true or false", "string_type": "a string",
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "list_type": "a list",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)",
}  # fmt: skip


def config_errors(
    error: ValidationError, model: type[BaseModel], doc: YamlDoc
) -> list[ConfigError]:
    """One ``ConfigError`` per meaningful problem in ``error`` (``model`` parsed ``doc``)."""
    found = [(e, _data_path(doc.data, e["loc"])) for e in error.errors(include_url=False)]
    kept = [(e, p) for e, p in found if not _is_other_member(e, p, found)]
    return [_to_config_error(e, p, model, doc) for e, p in kept]


def _data_path(data: Any, loc: tuple[str | int, ...]) -> YamlPath:
    """The part of a Pydantic ``loc`` that walks the data (union member tags are skipped)."""
    path: list[str | int] = []
    for i, part in enumerate(loc):
        if not _has(data, part):
            continue
        after = loc[i + 1] if i + 1 < len(loc) else None
        if after is not None and _has(data, after) and not _has(data[part], after):
            continue  # a member's tag named like one of its keys: type: metric, metric: sum
        data = data[part]
        path.append(part)
    return tuple(path)


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _is_other_member(error: Any, path: YamlPath, found: list[tuple[Any, YamlPath]]) -> bool:
    """True for an error of a union member whose shape does not fit the value."""
    others = [p for e, p in found if e is not error and p[: len(path)] == path]
    if not others:
        return False
    if isinstance(error["input"], dict):
        return bool(error["type"] in _SCALAR_ERRORS)
    return bool(error["type"] in ("model_type", "dict_type"))


def _to_config_error(
    error: Any, path: YamlPath, model: type[BaseModel], doc: YamlDoc
) -> ConfigError:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error["input"]
    where = dotted(path)
    prefix = f"{where}: " if where else ""
    container = isinstance(value, (dict, list)) or value is None
    location = doc.key_location(path) if container else doc.location(path)
    if kind == "extra_forbidden":
        message = _unknown_key(str(error["loc"][-1]), model, error["loc"][:-1])
        return ConfigError(prefix + message, doc.key_location(path))
    if kind == "missing":
        name = error["loc"][-1]
        return ConfigError(f"{prefix}missing required key '{name}'", doc.key_location(path))
    if kind == "union_tag_invalid":
        tags = ctx.get("expected_tags", "")
        what = "rule type" if path[:1] == ("rules",) else "type"
        message = f"unknown {what} '{ctx.get('tag')}' (allowed: {tags})"
        return ConfigError(prefix + message, doc.location((*path, "type")))
    if kind == "union_tag_not_found":
        tags = ", ".join(repr(t) for t in _union_tags(model, error["loc"]))
        return ConfigError(f"{prefix}missing key 'type' (allowed: {tags})", location)
    if kind in ("enum", "literal_error"):
        message = f"invalid value {_show(value)} (allowed: {ctx.get('expected')})"
        return ConfigError(prefix + message, location)
    if kind == "value_error":
        return _value_error(str(ctx.get("error", error["msg"])), path, value, doc)
    expected = _EXPECTED.get(kind)
    detail = f"expected {expected}" if expected else error["msg"][:1].lower() + error["msg"][1:]
    shown = "no value" if value is None else f"invalid value {_show(value)}"
    return ConfigError(f"{prefix}{shown}: {detail}", location)


def _value_error(message: str, path: YamlPath, value: Any, doc: YamlDoc) -> ConfigError:
    """A model validator's message; it names the key it is about first (``key 'x' is ...``)."""
    first = message.split(" ", 1)[0]
    if isinstance(value, dict) and first in value:
        path = (*path, first)
    where = dotted(path)
    return ConfigError(f"{where}: {message}" if where else message, doc.location(path))


def _unknown_key(key: str, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    target = _model_at(model, loc)
    if target is None:
        return f"unknown key '{key}'"
    valid = sorted(f.alias or name for name, f in target.model_fields.items())
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}' (valid keys: {', '.join(valid)}){hint}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _model_at(model: Any, loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validated the mapping at ``loc`` (following the annotations)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _union_tags(model: Any, loc: tuple[str | int, ...]) -> list[str]:
    tp: Any = model
    for part in loc:
        tp = _step(tp, part) if tp is not None else None
    members = get_args(_unwrap(tp)) if tp is not None else ()
    return [get_args(_unwrap(m).model_fields["type"].annotation)[0] for m in members]


def _unwrap(tp: Any) -> Any:
    """The type under ``Annotated``; for an open part, what the registries assemble now."""
    while get_origin(tp) is Annotated:
        marker = next((m for m in tp.__metadata__ if isinstance(m, Registered)), None)
        tp = marker.assemble() if marker is not None else get_args(tp)[0]
    return tp


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = {f.alias or n: f for n, f in tp.model_fields.items()}
        return fields[part].annotation if part in fields else None
    if origin in (Union, types.UnionType):
        return _union_member(get_args(tp), part)
    if origin is list and isinstance(part, int):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    return None


def _union_member(members: tuple[Any, ...], part: str | int) -> Any:
    for member in members:
        inner = _unwrap(member)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            field = inner.model_fields.get("type")
            literal = field is not None and get_origin(field.annotation) is Literal
            tags = get_args(field.annotation) if field is not None and literal else ()
            name = inner.__name__
            if part in tags or part == name or str(part).endswith(f", {name}]"):
                return inner
    return None
