"""The parse side of registration: what a rule type's spec model and shorthand must be."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from vmsdq.core.errors import ConfigError
from vmsdq.spec.models import EntitySpec, FieldSpec, RequiredOpts, RuleMeta, WrittenRule
from vmsdq.spec.plugins import reset_plugins
from vmsdq.spec.registry import Shorthand, register_rule_spec, shorthands


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    """Registrations made in a test are forgotten after it."""
    reset_plugins()
    yield
    reset_plugins()


class ColourOpts(RuleMeta):
    shade: str | None = None


class NotNullRule(WrittenRule):
    type: Literal["not_null"]
    columns: list[str]


def entity(**extra: object) -> dict[str, object]:
    return {"entity": "t", "key": "id", "fields": {"id": {}}, **extra}


def test_shipped_shorthand_kinds_in_documented_order() -> None:
    assert [kind for kind, _ in shorthands()] == [
        "required",
        "type",
        "format",
        "allowed",
        "range",
        "length",
        "unique",
        "references",
        "json",
    ]


def test_registering_after_models_were_built_rebuilds_them() -> None:
    EntitySpec.model_validate(entity())  # built now, with the shipped types only
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        EntitySpec.model_validate(entity(rules=[{"name": "n", "type": "not_null", "columns": []}]))
    register_rule_spec("not_null", model=NotNullRule)
    register_rule_spec("colour", shorthand=Shorthand("colour", ColourOpts, value=bool | ColourOpts))
    parsed = EntitySpec.model_validate(
        entity(
            fields={"id": {}, "hue": {"colour": {"shade": "navy"}}},
            rules=[{"name": "n", "type": "not_null", "columns": ["id"]}],
        )
    )
    assert isinstance(parsed.rules[0], NotNullRule)
    assert parsed.fields["hue"].colour == ColourOpts(shade="navy")
    assert [kind for kind, _ in shorthands()][-1] == "colour"


def test_shorthand_reads_true_false_scalars_and_options() -> None:
    shorthand = Shorthand("colour", ColourOpts, value=bool | str | ColourOpts, scalar="shade")
    register_rule_spec("colour", shorthand=shorthand)
    fields = [{"colour": False}, {"colour": True}, {"colour": "navy"}, {"colour": {}}]
    read = [
        shorthand.read(EntitySpec.model_validate(entity(fields={"id": f})).fields["id"])
        for f in fields
    ]
    assert read == [None, ColourOpts(), ColourOpts(shade="navy"), ColourOpts()]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "rule type 'x' needs a spec model or a shorthand"),
        ({"model": NotNullRule}, r"rule type 'x': NotNullRule must declare type: Literal\['x'\]"),
        ({"model": ColourOpts}, "rule type 'x': the spec model must be a WrittenRule subclass"),
        (
            {"shorthand": Shorthand("required", RequiredOpts)},
            "rule type 'x': key 'required' is taken by 'required'",
        ),
        (
            {"shorthand": Shorthand("colour", ColourOpts)},
            "rule type 'x': FieldSpec has no key 'colour' .a new key needs the shorthand's "
            "'value': the type the key accepts.",
        ),
        (
            {"shorthand": Shorthand("min", ColourOpts, value=int)},
            "rule type 'x': FieldSpec already declares 'min'",
        ),
        (
            {"shorthand": Shorthand("colour", BaseModel, value=bool)},
            "rule type 'x': shorthand options must be a RuleMeta subclass",
        ),
    ],
)
def test_registrations_that_do_not_fit_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        register_rule_spec("x", **kwargs)
    assert "colour" not in FieldSpec.model_fields


def test_a_kind_registers_once() -> None:
    with pytest.raises(
        ConfigError, match="'unique' is already registered .by plugin 'vmsdq.rules'"
    ):
        register_rule_spec("unique", model=NotNullRule)
