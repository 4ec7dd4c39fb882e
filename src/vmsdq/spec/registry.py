"""The parse side of rule types and source types: which model reads which YAML.

Filled by ``vmsdq.checks.register_rule_type`` and
``vmsdq.sources.registry.register_source_type``: one registration per type carries its
spec model together with its compile function or source class. The open parts of the
models are assembled from here whenever their schema is built: the rules under ``rules:``
(a union of the written rule models, tagged by ``type``), the keys of a field (shorthand
keys a plugin adds) and the sources of ``vmsdq.yaml``. Registering after a model was built
rebuilds it, so a registration is in force for the next parse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, create_model

from vmsdq.core.errors import ConfigError
from vmsdq.spec.models import OPEN_MODELS, FieldSpec, RuleMeta, WrittenRule
from vmsdq.spec.plugins import Registry, load_plugins

Expand = Callable[[FieldSpec], RuleMeta | None]


@dataclass(frozen=True)
class Shorthand:
    """How a field declares a rule with a key of its own (``unique: true``, ``length: 80``).

    The key holds the options (a mapping, parsed as ``options``), ``true`` (default options),
    a scalar put into option ``scalar`` (``length: 80`` is ``{max: 80}``), or ``false`` or
    nothing (no rule). ``expand`` replaces that reading for rules read from several keys
    (``range`` from ``range``, ``min`` and ``max``); ``also`` lists those other keys.
    ``value`` is the key's type when ``FieldSpec`` does not declare the key (a plugin's key):
    every field then accepts it.
    """

    key: str
    options: type[RuleMeta]
    scalar: str | None = None
    expand: Expand | None = None
    value: Any = None
    also: tuple[str, ...] = ()
    description: str | None = None  # of the key, in the JSON Schema (plugin keys)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key that declares the rule; the first written one is where it is declared."""
        return (self.key, *self.also)

    def read(self, field: FieldSpec) -> RuleMeta | None:
        """The options of the rule ``field`` declares this way; None when it declares none."""
        if self.expand is not None:
            return self.expand(field)
        value = getattr(field, self.key, None)
        if value is None or value is False:
            return None
        if isinstance(value, self.options):
            return value
        if value is True:
            return self.options()
        if self.scalar is None:
            raise ConfigError(f"expected true, false or options, got {value!r}")
        try:
            return self.options.model_validate({self.scalar: value})
        except ValidationError as e:
            raise ConfigError(str(e.errors()[0]["msg"]).removeprefix("Value error, ")) from None


@dataclass(frozen=True)
class RuleSpecType:
    """What parses a rule kind: a model under ``rules:``, a field shorthand, or both."""

    kind: str
    model: type[WrittenRule] | None = None
    shorthand: Shorthand | None = None


RULE_SPECS: Registry[RuleSpecType] = Registry("rule type")
SOURCE_SPECS: Registry[type[BaseModel]] = Registry("source type")


def register_rule_spec(
    kind: str, *, model: type[WrittenRule] | None = None, shorthand: Shorthand | None = None
) -> RuleSpecType:
    """Make ``kind`` parse: ``model`` for ``type: <kind>`` under ``rules:``, ``shorthand`` for
    a field key. Called by ``register_rule_type``; ConfigError when either does not fit."""
    load_plugins()  # the shipped types first: a clash is reported against them
    if model is None and shorthand is None:
        raise ConfigError(f"rule type '{kind}' needs a spec model or a shorthand")
    if kind in RULE_SPECS:
        raise ConfigError(f"rule type '{kind}' is already registered{RULE_SPECS.by(kind)}")
    if model is not None:
        _check_tagged(model, kind, WrittenRule, "rule type")
    if shorthand is not None:
        _check_shorthand(kind, shorthand)
    spec_type = RuleSpecType(kind, model, shorthand)
    RULE_SPECS.add(kind, spec_type)
    return spec_type


def register_source_spec(type_name: str, model: type[BaseModel]) -> None:
    """Make ``type: <type_name>`` under ``sources:`` parse with ``model``."""
    load_plugins()
    _check_tagged(model, type_name, BaseModel, "source type")
    SOURCE_SPECS.add(type_name, model)


def shorthands() -> list[tuple[str, Shorthand]]:
    """(kind, shorthand) of every kind a field can declare, in registration order."""
    return [(t.kind, t.shorthand) for t in RULE_SPECS.values() if t.shorthand is not None]


def rule_union() -> Any:
    """The type of one entry under ``rules:``: the written rule models, tagged by ``type``."""
    return _tagged([t.model for t in RULE_SPECS.values() if t.model is not None], "rule")


def source_union() -> Any:
    """The type of one source in ``vmsdq.yaml``, tagged by ``type``."""
    return _tagged(SOURCE_SPECS.values(), "source")


def field_model() -> type[FieldSpec]:
    """``FieldSpec``, or a subclass with the keys plugins' shorthands add."""
    added = tuple((s.key, s.value, s.description) for _, s in shorthands() if s.value is not None)
    return _with_keys(added) if added else FieldSpec


@lru_cache(maxsize=32)
def _with_keys(added: tuple[tuple[str, Any, str | None], ...]) -> type[FieldSpec]:
    keys: dict[str, Any] = {
        key: (Optional[value], Field(default=None, description=text))  # noqa: UP045 (runtime)
        for key, value, text in added
    }
    return create_model("FieldSpec", __base__=FieldSpec, __module__=FieldSpec.__module__, **keys)


def _tagged(models: list[type[BaseModel]], what: str) -> Any:
    if not models:
        raise ConfigError(f"no {what} type is registered")
    member = models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007 (runtime)
    return Annotated[member, Field(discriminator="type")]


def _check_tagged(model: type[BaseModel], name: str, base: type[BaseModel], what: str) -> None:
    """``model`` is a ``base`` with ``type: Literal['<name>']``."""
    if not (isinstance(model, type) and issubclass(model, base)):
        raise ConfigError(f"{what} '{name}': the spec model must be a {base.__name__} subclass")
    tag = model.model_fields.get("type")
    if (
        tag is None
        or get_origin(tag.annotation) is not Literal
        or get_args(tag.annotation) != (name,)
    ):
        raise ConfigError(f"{what} '{name}': {model.__name__} must declare type: Literal['{name}']")


def _check_shorthand(kind: str, shorthand: Shorthand) -> None:
    if not (isinstance(shorthand.options, type) and issubclass(shorthand.options, RuleMeta)):
        raise ConfigError(f"rule type '{kind}': shorthand options must be a RuleMeta subclass")
    for other, taken in shorthands():
        if shorthand.key == taken.key:
            raise ConfigError(f"rule type '{kind}': key '{shorthand.key}' is taken by '{other}'")
    declared = FieldSpec.model_fields
    adds = shorthand.value is not None
    if adds and shorthand.key in declared:
        raise ConfigError(f"rule type '{kind}': FieldSpec already declares '{shorthand.key}'")
    for key in shorthand.keys[1:] if adds else shorthand.keys:
        if key not in declared:
            raise ConfigError(
                f"rule type '{kind}': FieldSpec has no key '{key}' (a new key needs the "
                "shorthand's 'value': the type the key accepts)"
            )


_rebuilding = False


def _rebuild_models() -> None:
    """Rebuild the built models holding open parts (inner first), after registrations."""
    global _rebuilding
    if _rebuilding:  # plugins loading from inside this rebuild: the outer call finishes it
        return
    _rebuilding = True
    try:
        load_plugins()
        for model in OPEN_MODELS:
            if model.__pydantic_complete__:
                model.model_rebuild(force=True)
    except ConfigError:
        pass  # a broken plugin: raised again wherever a project is parsed
    finally:
        _rebuilding = False


RULE_SPECS.on_change(_rebuild_models)
SOURCE_SPECS.on_change(_rebuild_models)
