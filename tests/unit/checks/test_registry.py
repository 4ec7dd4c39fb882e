from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import sqlglot
from sqlglot import exp

from vmsdq.checks import compile_entity, get_rule_type, register_rule_type, rule_types
from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.core.words import Dimension, Severity
from vmsdq.engine.testing import TableCase
from vmsdq.spec.models import WrittenRule
from vmsdq.spec.plugins import reset_plugins


def test_every_documented_kind_is_registered():
    assert set(rule_types()) >= {
        "required",
        "type",
        "format",
        "allowed",
        "range",
        "length",
        "unique",
        "references",
        "reference",
        "expression",
        "aggregate",
        "transition",
        "row_count",
        "freshness",
    }
    assert get_rule_type("format").severity is Severity.warning
    assert get_rule_type("references").dimension is Dimension.integrity


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown rule type 'nope'; known types: aggregate, "):
        get_rule_type("nope")


@pytest.fixture
def fresh() -> Iterator[None]:
    """Registrations made in the test are forgotten after it."""
    reset_plugins()
    yield
    reset_plugins()


class AlwaysOkRule(WrittenRule):
    type: Literal["always_ok"]


def test_registering_a_new_kind(fresh: None, tmp_path: Path) -> None:
    def compile_always(rule, ctx):
        return ctx.row_check(exp.false())

    register_rule_type("always_ok", compile_always, spec=AlwaysOkRule)
    assert get_rule_type("always_ok").compile is compile_always
    assert get_rule_type("always_ok").spec is AlwaysOkRule
    case = TableCase("t", {"id": {}}, [{"name": "fine", "type": "always_ok"}]).rows({"id": "a"})
    assert isinstance(case.spec().rules[0], AlwaysOkRule)
    assert case.run(tmp_path).rule("t.fine").evaluated == 1
    with pytest.raises(ConfigError, match="rule type 'always_ok' is already registered$"):
        register_rule_type("always_ok", lambda rule, ctx: ctx.row_check(exp.true()))
    with pytest.raises(
        ConfigError, match="'required' is already registered .by plugin 'vmsdq.rules'"
    ):
        register_rule_type("required", compile_always, spec=AlwaysOkRule)
    with pytest.raises(ConfigError, match="rule type 'nothing' needs a spec model or a shorthand"):
        register_rule_type("nothing", compile_always)


def test_shorthand_expansion_order_names_and_defaults():
    fields = {
        "id": {"required": True, "unique": True},
        "email": {"required": True, "format": "email", "unique": {"ignore_case": True}},
        "age": {"type": "integer", "min": 0},
        "name": {"length": 80, "allowed": ["a"]},
        "org": {"references": "t"},
    }
    spec = TableCase("t", fields).spec()
    checks = compile_entity(spec, {"t": spec}).checks
    assert [(c.name, c.severity.value) for c in checks] == [
        ("t.id.required", "critical"),
        ("t.id.unique", "critical"),
        ("t.email.required", "error"),
        ("t.email.format", "warning"),
        ("t.email.unique", "error"),
        ("t.age.type", "error"),
        ("t.age.range", "error"),
        ("t.name.allowed", "error"),
        ("t.name.length", "warning"),
        ("t.org.references", "error"),
    ]
    for check in checks:
        sql = check.fails.sql(dialect="duckdb")
        assert sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb") == sql


def test_disabled_rules_are_not_compiled():
    spec = TableCase("t", {"id": {}, "x": {"required": {"enabled": False}}}).spec()
    assert compile_entity(spec, {"t": spec}).checks == ()


def test_errors_are_collected_per_rule():
    rules = [
        {"name": "a", "type": "expression", "check": "nope > 1"},
        {"name": "b", "type": "expression", "check": "x > 1"},
        {"name": "b", "type": "expression", "check": "x > 2"},
    ]
    spec = TableCase("t", {"id": {}, "x": {"type": "integer"}}, rules).spec()
    with pytest.raises(ConfigErrors) as info:
        compile_entity(spec, {"t": spec}, source_file="entities/t.yaml")
    messages = [str(e) for e in info.value.errors]
    assert messages == [
        "entities/t.yaml: rule 't.a': unknown column 'nope' (known columns: id, x)"
        " (in expression 'nope > 1')",
        "entities/t.yaml: rule name 't.b' is used twice",
    ]


def test_needs_and_columns():
    other = {"entity": "o", "key": "k", "fields": {"k": {}}}
    case = TableCase(
        "t", {"id": {}, "o": {"references": "o"}, "n": {"type": "number", "source_name": "N"}}
    )
    case.with_entity(other, [])
    spec = case.spec()
    from vmsdq.spec.models import EntitySpec

    compiled = compile_entity(spec, {"t": spec, "o": EntitySpec.model_validate(other)})
    assert compiled.needs == ("o",)
    assert [(c.name, c.source_name, c.sql_type) for c in compiled.columns] == [
        ("id", "id", "VARCHAR"),
        ("o", "o", "VARCHAR"),
        ("n", "N", "DOUBLE"),
    ]


def test_rule_locations_point_errors_and_checks_at_the_yaml_line():
    rules = [
        {"name": "bad", "type": "expression", "check": "nope > 1"},
        {"name": "good", "type": "expression", "check": "x > 1"},
    ]
    spec = TableCase("t", {"id": {}, "x": {"type": "integer"}}, rules).spec()
    locations = {"t.bad": "entities/t.yaml:12:5", "t.good": "entities/t.yaml:14"}
    with pytest.raises(ConfigErrors) as info:
        compile_entity(spec, {"t": spec}, rule_locations=locations)
    assert str(info.value).startswith("entities/t.yaml:12:5: rule 't.bad': unknown column 'nope'")
    spec.rules.pop(0)
    compiled = compile_entity(spec, {"t": spec}, rule_locations=locations)
    assert compiled.checks[-1].source == "entities/t.yaml:14"
