"""The rule-type registry: one registration per rule kind drives parsing and compiling.

``register_rule_type`` takes the kind's spec model (for ``type: <kind>`` under ``rules:``)
and/or its field shorthand, its compile function and its defaults. The spec side goes to
``vmsdq.spec.registry`` (so the kind parses, is cross-checked and is in the JSON Schema);
the compile side stays here. Adding a rule type is one spec model, one compile function,
one registration (in ``vmsdq.checks.builtin`` for the shipped kinds, in a plugin's
``register()`` otherwise) and one test file; see docs/plugins.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import Dimension, Severity
from vmsdq.spec.plugins import Registry, load_plugins
from vmsdq.spec.registry import Shorthand, register_rule_spec

if TYPE_CHECKING:
    from vmsdq.checks.context import RuleContext
    from vmsdq.checks.model import Check
    from vmsdq.spec.models import WrittenRule

CompileFn = Callable[[Any, "RuleContext"], "Check"]


@dataclass(frozen=True)
class RuleType:
    """A registered rule kind: how it parses, compiles and what it defaults to."""

    kind: str
    compile: CompileFn
    dimension: Dimension
    severity: Severity
    key_severity: Severity | None = None  # default when declared on the entity key
    spec: type[WrittenRule] | None = None
    shorthand: Shorthand | None = None


_RULE_TYPES: Registry[RuleType] = Registry("rule type")


def register_rule_type(
    kind: str,
    compile_fn: CompileFn,
    *,
    spec: type[WrittenRule] | None = None,
    shorthand: Shorthand | None = None,
    dimension: Dimension = Dimension.validity,
    severity: Severity = Severity.error,
    key_severity: Severity | None = None,
) -> RuleType:
    """Register rules of ``kind``, compiled by ``compile_fn(rule, ctx) -> Check``.

    Args:
        kind: the rule type's name (``type:`` under ``rules:``; the kind in rule names).
        compile_fn: gets the parsed rule (``spec`` instance, or a ``FieldRule`` for
            shorthand) and a ``RuleContext``.
        spec: the model of the rule written under ``rules:``; it declares
            ``type: Literal['<kind>']``.
        shorthand: how a field declares the rule with a key of its own.
        dimension, severity: what a rule gets when it does not set its own.
        key_severity: the default severity instead when the field is the entity key.

    Raises:
        ConfigError: the kind is taken (shipped types cannot be replaced), or neither
            ``spec`` nor ``shorthand`` is given, or they do not fit (see ``register_rule_spec``).
    """
    load_plugins()
    if kind in _RULE_TYPES:
        raise ConfigError(f"rule type '{kind}' is already registered{_RULE_TYPES.by(kind)}")
    register_rule_spec(kind, model=spec, shorthand=shorthand)
    rule_type = RuleType(kind, compile_fn, dimension, severity, key_severity, spec, shorthand)
    _RULE_TYPES.add(kind, rule_type)
    return rule_type


def get_rule_type(kind: str) -> RuleType:
    """The registered rule type ``kind``; ConfigError listing the known kinds otherwise."""
    load_plugins()
    rule_type = _RULE_TYPES.get(kind)
    if rule_type is None:
        raise ConfigError(f"unknown rule type '{kind}'; known types: {', '.join(rule_types())}")
    return rule_type


def rule_types() -> list[str]:
    """Names of every registered rule type, sorted."""
    load_plugins()
    return sorted(_RULE_TYPES.names())
