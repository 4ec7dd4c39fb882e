"""The shipped VMS pack: loads, has the promised rules, and every expression has a truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from vmsdq.core.words import Dimension
from vmsdq.demo import install_pack
from vmsdq.demo.generate import load_entity_specs
from vmsdq.demo.predicates import FAILS, FILTERS
from vmsdq.demo.rules import expand_project
from vmsdq.spec.models import ExpressionRule
from vmsdq.spec.sandbox import parse_expression

ENTITIES = {"volunteer", "organization", "event", "student", "teacher", "school", "district",
            "participation"}  # fmt: skip


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    install_pack(tmp_path)
    return tmp_path


def test_pack_loads_with_the_project_loader(pack: Path) -> None:
    from vmsdq.spec.loader import load_project

    project = load_project(pack)
    assert set(project.entities) == ENTITIES
    assert project.spec.default_source == "vms"
    assert project.spec.reconcile == {"vms": "salesforce"}
    assert project.spec.scoring.thresholds["organization"] == 85
    assert project.spec.scoring.default_threshold == 75


def test_pack_has_at_least_150_rules_across_five_dimensions(pack: Path) -> None:
    rules = [r for r in expand_project(load_entity_specs(pack)) if r.kind != "parseable"]
    assert len(rules) >= 150
    kinds = Counter(r.kind for r in rules)
    assert {"required", "type", "format", "allowed", "range", "length", "unique", "references",
            "reference", "expression", "aggregate", "transition", "row_count",
            "freshness"} <= set(kinds)  # fmt: skip
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    assert "student.local_student_id.unique" in names
    assert "event.status_transition" in names


def test_promised_business_rules_are_declared(pack: Path) -> None:
    event = load_entity_specs(pack)["event"]
    checks = {r.name: r for r in event.rules}
    assert {"end_after_start", "duration_bounds", "attended_within_registered",
            "registered_within_capacity", "cancelled_needs_reason",
            "registered_matches_participations", "status_transition"} <= set(checks)  # fmt: skip
    student = load_entity_specs(pack)["student"]
    assert student.fields["grade"].min == 0 and student.fields["grade"].max == 12
    unique = student.fields["local_student_id"].unique
    assert unique.within == ["school_id"]  # type: ignore[union-attr]
    assert event.sources["vms"].previous == "previous/event.parquet"


def test_dimension_weights_are_explicit_for_every_dimension(pack: Path) -> None:
    specs = load_entity_specs(pack)
    for spec in specs.values():
        assert spec.dimension_weights is not None
        assert set(spec.dimension_weights) == set(Dimension), spec.entity
        assert spec.mirror is not None and spec.mirror.match_on == "salesforce_id"
    assert specs["volunteer"].dimension_weights[Dimension.completeness] == 0.30  # type: ignore[index]
    assert specs["organization"].dimension_weights[Dimension.completeness] == 0.35  # type: ignore[index]
    assert specs["event"].dimension_weights[Dimension.consistency] == 0.35  # type: ignore[index]
    assert specs["volunteer"].mirror.where == "Contact_Type__c = 'Volunteer'"  # type: ignore[union-attr]


def test_every_sql_expression_passes_the_sandbox_and_has_a_python_meaning(pack: Path) -> None:
    specs = load_entity_specs(pack)
    expressions = set()
    for spec in specs.values():
        for rule in spec.rules:
            name = f"{spec.entity}.{rule.name}"
            for part in ("check", "when", "where"):
                sql = getattr(rule, part, None)
                if not sql:
                    continue
                parse_expression(sql, rule=name)
                if part != "check" and rule.type not in ("expression",):
                    assert (name, part) in FILTERS, f"{name} {part} has no Python filter"
            if isinstance(rule, ExpressionRule):
                expressions.add(name)
        for field, fs in spec.fields.items():
            ref = fs.references
            if ref is not None and not isinstance(ref, str) and ref.where:
                parse_expression(ref.where, rule=field)
                assert (f"{spec.entity}.{field}.references", "where") in FILTERS
    assert expressions == set(FAILS)


def test_install_pack_keeps_an_existing_project(tmp_path: Path) -> None:
    (tmp_path / "vmsdq.yaml").write_text("name: mine\n")
    install_pack(tmp_path)
    assert (tmp_path / "vmsdq.yaml").read_text() == "name: mine\n"
    assert not (tmp_path / "entities").exists()
