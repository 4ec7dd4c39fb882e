"""Checks that need more than one model: names of fields, entities, sources and rules.

Runs after every file parsed. Each problem is a ``ConfigError`` at the offending value.
What a rule's values name is read from the ``vmsdq.spec.refs`` markers on its model, so a
plugin's rule types are checked like the shipped ones. Also computes where each rule was
declared (full rule name -> ``file:line:column``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vmsdq.core.errors import ConfigError, SandboxError
from vmsdq.core.words import FieldType
from vmsdq.spec import models as m
from vmsdq.spec.refs import Entity, Fields, Ref
from vmsdq.spec.registry import Shorthand, shorthands
from vmsdq.spec.sandbox import LISTED_COLUMNS, check_expression
from vmsdq.spec.shorthand import rule_name
from vmsdq.spec.yamlpos import YamlDoc, YamlPath, dotted


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
    _booleans: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)
    _specs: dict[str, m.EntitySpec] | None = field(default=None, repr=False)

    @property
    def specs(self) -> dict[str, m.EntitySpec]:
        """Every entity's spec by name (built once, not once per rule)."""
        if self._specs is None:
            self._specs = {n: p.spec for n, p in self.entities.items()}
        return self._specs

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
        columns = owner.fields.keys() if owner is not None else None
        booleans = self.boolean_fields(owner) if owner is not None else None
        try:
            check_expression(
                sql, rule=rule, location=doc.location(path), columns=columns,
                boolean_columns=booleans,
            )  # fmt: skip
        except SandboxError as e:
            self.errors.append(e)

    def boolean_fields(self, owner: m.EntitySpec) -> frozenset[str]:
        """``owner``'s boolean fields, worked out once per entity (not once per expression)."""
        found = self._booleans.get(id(owner))
        if found is None:
            found = frozenset(n for n, f in owner.fields.items() if f.type is FieldType.boolean)
            self._booleans[id(owner)] = found
        return found

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
    kinds = shorthands()  # once per entity, not once per field
    for name, fspec in spec.fields.items():
        _check_field(checker, parsed, name, fspec, kinds)
    for i, rule in enumerate(spec.rules):
        _check_rule(checker, parsed, ("rules", i), rule)
    if spec.schema_ is not None:
        _schema_locations(checker, parsed, spec.schema_)
    if spec.mirror is not None:
        checker.fields(doc, ("mirror", "match_on"), spec.mirror.match_on, spec)
        for ours in spec.mirror.fields:
            checker.fields(doc, ("mirror", "fields", ours), ours, spec, key=True)
    if sources is not None:
        for name in spec.sources:
            if name not in sources:
                message = f"unknown source '{name}'{_known(name, sources)}"
                checker.error(doc, ("sources", name), message, key=True)


def _schema_locations(checker: Checker, parsed: Parsed, schema: m.SchemaSpec) -> None:
    """``{entity}.schema.<kind>`` is declared at its key (``order``: at ``ordered``)."""
    given = {
        "required_columns": bool(schema.required_columns),
        "forbidden_columns": bool(schema.forbidden_columns),
        "types": bool(schema.types),
        "column_count": schema.column_count is not None,
        "ordered": schema.ordered,
    }
    for key, present in given.items():
        if present:
            kind = "order" if key == "ordered" else key
            checker.rule_name(f"{parsed.spec.entity}.schema.{kind}", parsed.doc, ("schema", key))


def _check_field(
    checker: Checker,
    parsed: Parsed,
    name: str,
    fspec: m.FieldSpec,
    kinds: list[tuple[str, Shorthand]],
) -> None:
    """Each shorthand rule of the field: its name and location, and what its options name."""
    spec, doc = parsed.spec, parsed.doc
    path: YamlPath = ("fields", name)
    for kind, shorthand in kinds:
        try:
            options = shorthand.read(fspec)
        except ConfigError as e:  # a scalar the options refuse, e.g. ``format: regex``
            checker.error(doc, (*path, shorthand.key), e.message)
            continue
        written = [k for k in shorthand.keys if (*path, k) in doc.keys]
        if options is None or not written:
            continue
        at: YamlPath = (*path, written[0])
        full = rule_name(spec.entity, name, kind, options)
        checker.rule_name(full, doc, at)
        _check_refs(checker, parsed, at, options, full, nested=_is_mapping(doc.data, at))


def _check_rule(checker: Checker, parsed: Parsed, path: YamlPath, rule: m.WrittenRule) -> None:
    spec, doc = parsed.spec, parsed.doc
    if not rule.name:
        checker.error(doc, path, "a rule under 'rules:' needs a 'name'", key=True)
        full = f"{spec.entity}.rules[{path[-1]}]"
    else:
        full = f"{spec.entity}.{rule.name}"
        checker.rule_name(full, doc, (*path, "name"))
    _check_refs(checker, parsed, path, rule, full, nested=True)


def _check_refs(
    checker: Checker,
    parsed: Parsed,
    path: YamlPath,
    model: m.RuleMeta,
    rule: str,
    *,
    nested: bool,
) -> None:
    """The values ``model`` marks with ``vmsdq.spec.refs`` markers, and its ``cross_check``.

    ``nested``: the model was written as a mapping at ``path`` (else as one scalar there).
    """
    doc = parsed.doc
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        at = (*path, info.alias or name) if nested else path
        for ref in info.metadata:
            if value is not None and isinstance(ref, Ref):
                _check_ref(checker, parsed, at, ref, value, model, rule)
    for key, message in model.cross_check(checker.specs):
        checker.error(doc, (*path, key) if nested else path, message)


def _check_ref(
    checker: Checker,
    parsed: Parsed,
    at: YamlPath,
    ref: Ref,
    value: Any,
    model: m.RuleMeta,
    rule: str,
) -> None:
    doc = parsed.doc
    if isinstance(ref, Entity):
        checker.target(doc, at, value)
        return
    owner: m.EntitySpec | None = parsed.spec
    if ref.of is not None:
        named = getattr(model, ref.of)
        owner = checker.entities[named].spec if named in checker.entities else None
    if isinstance(ref, Fields):
        checker.fields(doc, at, value, owner)
    else:
        checker.expression(doc, at, value, rule, owner)


def _is_mapping(data: Any, path: YamlPath) -> bool:
    for part in path:
        data = data[part]
    return isinstance(data, dict)


def _known(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    if len(names) > LISTED_COLUMNS:  # a wide entity: the count, not every name
        return f" ({len(names):,} known){hint}"
    return f" (known: {', '.join(names)}){hint}"
