"""Rules compiled into SQLGlot checks, and the rule-type registry."""

from __future__ import annotations

from vmsdq.checks.compiler import compile_entity
from vmsdq.checks.model import Check, ColumnSpec, CompiledEntity, Relation, StrictValues
from vmsdq.checks.registry import RuleType, get_rule_type, register_rule_type, rule_types

__all__ = [
    "Check",
    "ColumnSpec",
    "CompiledEntity",
    "Relation",
    "RuleType",
    "StrictValues",
    "compile_entity",
    "get_rule_type",
    "register_rule_type",
    "rule_types",
]
