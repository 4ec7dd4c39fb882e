"""Checks that need more than one model: names of fields, entities, sources and rules.

Runs after every file parsed. Each problem is a ``ConfigError`` at the offending value.
Also computes where each rule was declared (full rule name -> ``file:line:column``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vmsdq.core.errors import ConfigError, SandboxError
from vmsdq.core.words import FieldType
from vmsdq.spec import models as m
from vmsdq.spec.sandbox import parse_expression
from vmsdq.spec.yamlpos import YamlDoc, YamlPath, dotted

SHORTHAND_KEYS = {
    "required": ("required",), "type": ("check_type", "type"), "format": ("format",),
    "allowed": ("allowed",), "range": ("range", "min", "max"), "length": ("length",),
    "unique": ("unique",), "references": ("references",),
}  # fmt: skip


@dataclass
class Parsed:
    """An entity file that validated, with the positions of its values."""

    spec: m.EntitySpec
    doc: YamlDoc


@dataclass
class Checker:
    """Collects cross-file errors and rule locations for a set of parsed entities."""

    entities: Mapping[str, Parsed]
    check_targets: bool = True  # False when checking one entity file on its own
    errors: list[ConfigError] = field(default_factory=list)
    rule_locations: dict[str, str] = field(default_factory=dict)

    def error(self, doc: YamlDoc, path: YamlPath, message: str, key: bool = False) -> None:
        where = dotted(path)
        location = doc.key_location(path) if key else doc.location(path)
        self.errors.append(ConfigError(f"{where}: {message}", location))

    def target(self, doc: YamlDoc, path: YamlPath, name: str) -> m.EntitySpec | None:
        """The entity called ``name``, or None (with an error when targets are checked)."""
        if name in self.entities:
            return self.entities[name].spec
        if self.check_targets:
            self.error(doc, path, f"unknown entity '{name}'{_known(name, self.entities)}")
        return None

    def fields(
        self,
        doc: YamlDoc,
        path: YamlPath,
        names: Iterable[str],
        owner: m.EntitySpec | None,
        key: bool = False,
    ) -> None:
        """Each of ``names`` (written at ``path`` / ``path + (i,)``) is a field of ``owner``."""
        if owner is None:
            return
        for i, name in enumerate([names] if isinstance(names, str) else names):
            if name not in owner.fields:
                at = path if isinstance(names, str) else (*path, i)
                known = _known(name, owner.fields)
                message = f"'{name}' is not a field of entity '{owner.entity}'{known}"
                self.error(doc, at, message, key=key)

    def expression(
        self, doc: YamlDoc, path: YamlPath, sql: str | None, rule: str, owner: m.EntitySpec | None
    ) -> None:
        if sql is None:
            return
        columns = list(owner.fields) if owner is not None else None
        try:
            parse_expression(sql, rule=rule, location=doc.location(path), columns=columns)
        except SandboxError as e:
            self.errors.append(e)

    def rule_name(self, full: str, doc: YamlDoc, path: YamlPath) -> None:
        """Record where rule ``full`` was declared (``path``'s key); names must be unique."""
        if full in self.rule_locations:
            first = self.rule_locations[full]
            self.error(doc, path, f"duplicate rule name '{full}' (first declared at {first})")
            return
        self.rule_locations[full] = str(doc.key_location(path))


def check_entity(checker: Checker, parsed: Parsed, sources: Iterable[str] | None) -> None:
    """Every name an entity file uses refers to something that exists."""
    spec, doc = parsed.spec, parsed.doc
    for name, fspec in spec.fields.items():
        _check_field(checker, parsed, name, fspec)
    for i, rule in enumerate(spec.rules):
        _check_rule(checker, parsed, ("rules", i), rule)
    if spec.mirror is not None:
        checker.fields(doc, ("mirror", "match_on"), spec.mirror.match_on, spec)
        for ours in spec.mirror.fields:
            checker.fields(doc, ("mirror", "fields", ours), ours, spec, key=True)
    if sources is not None:
        for name in spec.sources:
            if name not in sources:
                message = f"unknown source '{name}'{_known(name, sources)}"
                checker.error(doc, ("sources", name), message, key=True)


def _check_field(checker: Checker, parsed: Parsed, name: str, fspec: m.FieldSpec) -> None:
    spec, doc = parsed.spec, parsed.doc
    path: YamlPath = ("fields", name)
    for kind, keys in SHORTHAND_KEYS.items():
        written = [k for k in keys if (*path, k) in doc.keys]
        if written and _declares(fspec, kind):
            checker.rule_name(f"{spec.entity}.{name}.{kind}", doc, (*path, written[0]))
    if isinstance(fspec.unique, m.UniqueOpts):
        checker.fields(doc, (*path, "unique", "within"), fspec.unique.within, spec)
    ref = fspec.references
    if ref is None:
        return
    ref_path = (*path, "references")
    target_name = ref if isinstance(ref, str) else ref.entity
    target = checker.target(
        doc, ref_path if isinstance(ref, str) else (*ref_path, "entity"), target_name
    )
    if isinstance(ref, m.ReferenceOpts):
        if ref.field is not None:
            checker.fields(doc, (*ref_path, "field"), ref.field, target)
        rule = f"{spec.entity}.{name}.references"
        checker.expression(doc, (*ref_path, "where"), ref.where, rule, target)


def _declares(fspec: m.FieldSpec, kind: str) -> bool:
    if kind == "type":
        return bool(fspec.check_type) and fspec.type is not FieldType.string
    if kind == "range":
        return fspec.range is not None or fspec.min is not None or fspec.max is not None
    return bool(getattr(fspec, kind))


def _check_rule(checker: Checker, parsed: Parsed, path: YamlPath, rule: m.RuleSpec) -> None:
    spec, doc = parsed.spec, parsed.doc
    if not rule.name:
        checker.error(doc, path, "a rule under 'rules:' needs a 'name'", key=True)
        full = f"{spec.entity}.rules[{path[-1]}]"
    else:
        full = f"{spec.entity}.{rule.name}"
        checker.rule_name(full, doc, (*path, "name"))
    when = getattr(rule, "when", None)
    checker.expression(doc, (*path, "when"), when, full, spec)
    if isinstance(rule, m.ExpressionRule):
        checker.expression(doc, (*path, "check"), rule.check, full, spec)
        checker.fields(doc, (*path, "columns"), rule.columns, spec)
    elif isinstance(rule, m.CompositeUniqueRule):
        checker.fields(doc, (*path, "columns"), rule.columns, spec)
        checker.fields(doc, (*path, "within"), rule.within, spec)
    elif isinstance(rule, m.AggregateRule):
        related = checker.target(doc, (*path, "related"), rule.related)
        checker.fields(doc, (*path, "foreign_key"), rule.foreign_key, related)
        if rule.column is not None:
            checker.fields(doc, (*path, "column"), rule.column, related)
        checker.fields(doc, (*path, "field"), rule.field, spec)
        checker.expression(doc, (*path, "where"), rule.where, full, related)
    elif isinstance(rule, m.ReferenceRule):
        _check_reference_rule(checker, parsed, path, rule, full)
    elif isinstance(rule, m.RowCountRule):
        checker.expression(doc, (*path, "where"), rule.where, full, spec)
    elif isinstance(rule, (m.FreshnessRule, m.TransitionRule)):
        checker.fields(doc, (*path, "field"), rule.field, spec)


def _check_reference_rule(
    checker: Checker, parsed: Parsed, path: YamlPath, rule: m.ReferenceRule, full: str
) -> None:
    spec, doc = parsed.spec, parsed.doc
    checker.fields(doc, (*path, "columns"), rule.columns, spec)
    target = checker.target(doc, (*path, "entity"), rule.entity)
    if target is None:
        return
    target_columns = rule.target_columns or [target.key]
    checker.fields(doc, (*path, "target_columns"), target_columns, target)
    if len(target_columns) != len(rule.columns):
        message = (
            f"{len(rule.columns)} columns but {len(target_columns)} target_columns "
            f"(entity '{target.entity}' key is '{target.key}')"
        )
        checker.error(doc, (*path, "columns"), message)
    checker.expression(doc, (*path, "where"), rule.where, full, target)


def _known(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f" (known: {', '.join(names)}){hint}"
