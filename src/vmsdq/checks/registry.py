"""The rule-type registry: each rule kind maps to one compile function.

Adding a rule type is one spec class, one compile function, one ``register_rule_type`` line
(in ``vmsdq.checks.builtin`` for the shipped kinds) and one test file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import Dimension, Severity

if TYPE_CHECKING:
    from vmsdq.checks.context import RuleContext
    from vmsdq.checks.model import Check

CompileFn = Callable[[Any, "RuleContext"], "Check"]


@dataclass(frozen=True)
class RuleType:
    kind: str
    compile: CompileFn
    dimension: Dimension
    severity: Severity


_RULE_TYPES: dict[str, RuleType] = {}


def register_rule_type(
    kind: str,
    compile_fn: CompileFn,
    *,
    dimension: Dimension = Dimension.validity,
    severity: Severity = Severity.error,
) -> RuleType:
    """Register ``compile_fn(rule_spec, ctx) -> Check`` for rules of ``kind``.

    ``dimension`` and ``severity`` are the defaults a rule gets when it does not set its own.
    Registering a kind twice is an error (a plugin would silently shadow a builtin).
    """
    if kind in _RULE_TYPES and _RULE_TYPES[kind].compile is not compile_fn:
        raise ValueError(f"rule type '{kind}' is already registered")
    rule_type = RuleType(kind, compile_fn, dimension, severity)
    _RULE_TYPES[kind] = rule_type
    return rule_type


def get_rule_type(kind: str) -> RuleType:
    """The registered rule type ``kind``; ConfigError listing the known kinds otherwise."""
    from vmsdq.checks import builtin  # noqa: F401  (registers the shipped kinds)

    try:
        return _RULE_TYPES[kind]
    except KeyError:
        raise ConfigError(
            f"unknown rule type '{kind}'; known types: {', '.join(sorted(_RULE_TYPES))}"
        ) from None


def rule_types() -> list[str]:
    """Names of every registered rule type."""
    from vmsdq.checks import builtin  # noqa: F401

    return sorted(_RULE_TYPES)
