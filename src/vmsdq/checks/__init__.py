"""Rules compiled into SQLGlot checks, and the rule-type registry.

What a rule type (shipped or plugin) needs: ``register_rule_type`` with a ``Shorthand`` and/or
a spec model, and a compile function taking the rule and a ``RuleContext``.
"""

from __future__ import annotations

from vmsdq.checks.compiler import compile_entity
from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, ColumnSpec, CompiledEntity, Relation, StrictValues
from vmsdq.checks.registry import RuleType, get_rule_type, register_rule_type, rule_types
from vmsdq.checks.shorthand import FieldRule
from vmsdq.spec.registry import Shorthand

__all__ = [
    "Check",
    "ColumnSpec",
    "CompiledEntity",
    "FieldRule",
    "Relation",
    "RuleContext",
    "RuleType",
    "Shorthand",
    "StrictValues",
    "compile_entity",
    "get_rule_type",
    "register_rule_type",
    "rule_types",
]
