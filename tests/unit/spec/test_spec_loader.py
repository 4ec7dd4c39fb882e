"""Loading a project: the exact messages a user sees for a broken config."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.spec.loader import load_entity_file, load_project, rule_location

PROJECT = """\
name: test
sources:
  vms: {type: files, path: data}
  salesforce: {type: files, path: sf}
default_source: vms
reconcile: {vms: salesforce}
"""

ORGANIZATION = """\
entity: organization
key: org_id
fields:
  org_id: {required: true, unique: true}
  name: {required: true}
"""

EVENT = """\
entity: event
key: event_id
sources:
  vms: {path: event.csv}
fields:
  event_id: {required: true, unique: true}
  status: {allowed: [Draft, Done]}
  capacity: {type: integer, min: 1}
  registered: {type: integer}
  org_id: {references: organization}
rules:
  - name: within_capacity
    type: expression
    check: registered <= capacity
    when: "status = 'Done'"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid two-entity project in the current directory (messages show relative paths)."""
    monkeypatch.chdir(tmp_path)
    write("vmsdq.yaml", PROJECT)
    write("entities/organization.yaml", ORGANIZATION)
    write("entities/event.yaml", EVENT)
    return tmp_path


def write(name: str, text: str) -> None:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(dedent(text), encoding="utf-8")


def messages(root: str = ".") -> list[str]:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_project(root)
    error = info.value
    return [str(e) for e in error.errors] if isinstance(error, ConfigErrors) else [str(error)]


def test_valid_project_loads_with_files_and_rule_locations(project: Path) -> None:
    loaded = load_project(".")
    assert sorted(loaded.entities) == ["event", "organization"]
    assert loaded.entity_files["event"] == "entities/event.yaml"
    assert rule_location(loaded, "event.within_capacity") == "entities/event.yaml:12:5"
    assert loaded.rule_locations["event.status.allowed"] == "entities/event.yaml:7:12"
    assert loaded.rule_locations["event.capacity.range"] == "entities/event.yaml:8:29"


def test_the_shipped_pack_loads() -> None:
    pack = Path(__file__).parents[3] / "src" / "vmsdq" / "packs" / "vms"
    loaded = load_project(pack)
    assert len(loaded.entities) == 8
    assert len(loaded.rule_locations) >= 150


def test_unknown_key_lists_valid_keys(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace(
            "  capacity: {type: integer, min: 1}", "  capacity: {type: integer, minimum: 1}"
        ),
    )
    assert messages() == [
        "entities/event.yaml:8:29: fields.capacity.minimum: unknown key 'minimum' (valid keys: "
        "allow_nonfinite, allowed, check_type, description, format, json_text, length, max, min, "
        "range, references, required, source_name, type, unique); did you mean 'min'?"
    ]


def test_unknown_key_suggests_the_closest(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("key: event_id", "key: event_id\ncolour: red"))
    assert messages() == [
        "entities/event.yaml:3:1: colour: unknown key 'colour' (valid keys: description, "
        "dimension_weights, entity, fields, key, mirror, rules, schema, sources, threshold)"
    ]
    write(
        "entities/event.yaml",
        EVENT.replace("registered: {type: integer}", "registered: {required: {allow_blanc: true}}"),
    )
    assert messages() == [
        "entities/event.yaml:9:27: fields.registered.required.allow_blanc: unknown key "
        "'allow_blanc' (valid keys: allow_blank, description, dimension, enabled, fail_when, "
        "mostly, name, severity, warn_when, weight); did you mean 'allow_blank'?"
    ]


def test_wrong_type(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace("{type: integer, min: 1}", "{type: integer, length: many}"),
    )
    assert messages() == [
        "entities/event.yaml:8:37: fields.capacity.length: invalid value 'many': "
        "expected an integer"
    ]


def test_bad_enum_lists_allowed_values(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("type: integer, min", "type: integr, min"))
    assert messages() == [
        "entities/event.yaml:8:20: fields.capacity.type: invalid value 'integr' (allowed: "
        "'string', 'integer', 'number', 'boolean', 'date' or 'timestamp')"
    ]


def test_bad_rule_type_lists_rule_types(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("type: expression", "type: expresion"))
    assert messages() == [
        "entities/event.yaml:13:11: rules[0]: unknown rule type 'expresion' (allowed: "
        "'expression', 'unique', 'aggregate', 'reference', 'row_count', 'freshness', "
        "'transition', 'metric', 'monotonic', 'row_count_compare', 'drift')"
    ]


def test_bad_expression_names_rule_and_line(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace("check: registered <= capacity", "check: registered <= (SELECT 1)"),
    )
    assert messages() == [
        "entities/event.yaml:14:12: rule 'event.within_capacity': subqueries are not allowed "
        "(in expression 'registered <= (SELECT 1)')"
    ]


def test_expression_with_unknown_column(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("when: \"status = 'Done'\"", "when: stat = 1"))
    assert messages() == [
        "entities/event.yaml:15:11: rule 'event.within_capacity': unknown column 'stat' "
        "(known columns: capacity, event_id, org_id, registered, status) (in expression "
        "'stat = 1')"
    ]


def test_missing_reference_target(project: Path) -> None:
    write(
        "entities/event.yaml", EVENT.replace("references: organization", "references: organisation")
    )
    assert messages() == [
        "entities/event.yaml:10:24: fields.org_id.references: unknown entity 'organisation' "
        "(known: event, organization); did you mean 'organization'?"
    ]


def test_duplicate_rule_names(project: Path) -> None:
    extra = "  - {name: within_capacity, type: row_count, min: 1}\n"
    write("entities/event.yaml", EVENT + extra)
    assert messages() == [
        "entities/event.yaml:16:12: rules[1].name: duplicate rule name 'event.within_capacity' "
        "(first declared at entities/event.yaml:12:5)"
    ]


def test_unnamed_rule_and_unknown_fields_in_rules(project: Path) -> None:
    extra = """\
  - {type: unique, columns: [status, nme]}
  - name: sum_matches
    type: aggregate
    related: event
    foreign_key: org
    field: registered
"""
    write("entities/event.yaml", EVENT + extra)
    assert messages() == [
        "entities/event.yaml:16:5: rules[1]: a rule under 'rules:' needs a 'name'",
        "entities/event.yaml:16:38: rules[1].columns[1]: 'nme' is not a field of entity 'event' "
        "(known: capacity, event_id, org_id, registered, status)",
        "entities/event.yaml:20:18: rules[2].foreign_key: 'org' is not a field of entity "
        "'event' (known: capacity, event_id, org_id, registered, status); did you mean "
        "'org_id'?",
    ]


def test_yaml_syntax_error_has_a_line(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace("  status: {allowed: [Draft, Done]}", "  status: {allowed: [Draft, Done}"),
    )
    [message] = messages()
    assert message.startswith(
        "entities/event.yaml:7:33: YAML syntax error: while parsing a flow sequence"
    )


def test_duplicate_yaml_key(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("key: event_id", "key: event_id\nkey: x"))
    assert messages() == ["entities/event.yaml:3:1: duplicate key 'key'"]


def test_project_level_errors(project: Path) -> None:
    write(
        "vmsdq.yaml",
        PROJECT.replace("reconcile: {vms: salesforce}", "reconcile: {vms: sf}").replace(
            "default_source: vms", "default_source: vms\nstore: {url: 5}"
        ),
    )
    write("entities/event.yaml", EVENT.replace("  vms: {path", "  vmz: {path"))
    assert messages() == [
        "vmsdq.yaml:6:14: store.url: invalid value 5: expected a string",
    ]
    write("vmsdq.yaml", PROJECT.replace("reconcile: {vms: salesforce}", "reconcile: {vms: sf}"))
    assert messages() == [
        "entities/event.yaml:4:3: sources.vmz: unknown source 'vmz' (known: salesforce, vms);"
        " did you mean 'vms'?",
        "vmsdq.yaml:6:18: reconcile.vms: unknown source 'sf' (known: salesforce, vms)",
    ]


def test_missing_project_file(tmp_path: Path) -> None:
    assert messages(str(tmp_path)) == [
        f"{tmp_path}/vmsdq.yaml: project file not found (create a project with: "
        f"vmsdq init {tmp_path})"
    ]


def test_duplicate_entity_and_empty_file(project: Path) -> None:
    write("entities/event2.yaml", EVENT)
    write("entities/empty.yaml", "")
    assert messages() == [
        "entities/empty.yaml:1:1: the file is empty",
        "entities/event2.yaml:1:9: entity: entity 'event' is already declared in "
        "entities/event.yaml",
    ]


def test_missing_key_and_model_validator_messages(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("    check: registered <= capacity\n", ""))
    assert messages() == ["entities/event.yaml:12:5: rules[0]: missing required key 'check'"]
    write("entities/event.yaml", EVENT.replace("key: event_id", "key: id"))
    assert messages() == [
        "entities/event.yaml:2:6: key: key 'id' is not one of the fields: "
        "['capacity', 'event_id', 'org_id', 'registered', 'status']"
    ]


def test_load_entity_file_checks_its_own_names(project: Path) -> None:
    assert load_entity_file("entities/event.yaml").entity == "event"
    write(
        "entities/event.yaml",
        EVENT.replace("references: organization", "references: nope").replace(
            "registered <= capacity", "registered <= cap"
        ),
    )
    with pytest.raises(ConfigError) as info:
        load_entity_file("entities/event.yaml")
    assert str(info.value).startswith(
        "entities/event.yaml:14:12: rule 'event.within_capacity': unknown column 'cap'"
    )


def test_mirror_within_and_reference_rule_names(project: Path) -> None:
    extra = """\
  - {name: org_ref, type: reference, columns: [org_id, status], entity: organization}
mirror: {object: Session__c, match_on: sf_id, fields: {nme: Name}}
"""
    write(
        "entities/event.yaml", EVENT.replace("unique: true}", "unique: {within: [stat]}}") + extra
    )
    assert messages() == [
        "entities/event.yaml:6:48: fields.event_id.unique.within[0]: 'stat' is not a field of "
        "entity 'event' (known: capacity, event_id, org_id, registered, status); did you mean "
        "'status'?",
        "entities/event.yaml:16:47: rules[1].columns: 2 columns but 1 target_columns "
        "(entity 'organization' key is 'org_id')",
        "entities/event.yaml:17:40: mirror.match_on: 'sf_id' is not a field of entity 'event' "
        "(known: capacity, event_id, org_id, registered, status)",
        "entities/event.yaml:17:56: mirror.fields.nme: 'nme' is not a field of entity 'event' "
        "(known: capacity, event_id, org_id, registered, status)",
    ]


def test_field_without_a_value(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("  registered: {type: integer}", "  registered:"))
    assert messages() == [
        "entities/event.yaml:9:3: fields.registered: no value: expected a mapping (key: value)"
    ]


def test_yes_and_no_stay_text(project: Path) -> None:
    write("entities/event.yaml", EVENT.replace("[Draft, Done]", "[Yes, no, On, true]"))
    assert load_project(".").entities["event"].fields["status"].allowed == ["Yes", "no", "On", True]


def test_shorthand_scalar_the_options_refuse_is_located(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace("status: {allowed: [Draft, Done]}", "status: {format: regex}"),
    )
    assert messages() == [
        "entities/event.yaml:7:20: fields.status.format: format 'regex' needs 'pattern'"
    ]


def test_references_may_name_the_target_field(project: Path) -> None:
    write(
        "entities/event.yaml",
        EVENT.replace("references: organization", "references: organization.name"),
    )
    assert (
        load_project(".").rule_locations["event.org_id.references"] == "entities/event.yaml:10:12"
    )
    write(
        "entities/event.yaml",
        EVENT.replace("references: organization", "references: organization.nme"),
    )
    assert messages() == [
        "entities/event.yaml:10:24: fields.org_id.references: 'nme' is not a field of entity "
        "'organization' (known: name, org_id); did you mean 'name'?"
    ]


def test_an_unknown_field_of_a_wide_entity_gives_the_count_not_every_name(tmp_path: Path) -> None:
    fields = "".join(f"  field_{i}: {{}}\n" for i in range(500))
    rules = "rules:\n  - {name: u, type: unique, columns: [field_1, field_4999]}\n"
    (tmp_path / "wide.yaml").write_text(f"entity: wide\nkey: field_0\nfields:\n{fields}{rules}")
    with pytest.raises(ConfigError) as info:
        load_entity_file(tmp_path / "wide.yaml")
    text = str(info.value)
    assert text.endswith(
        "wide.yaml:505:48: rules[0].columns[1]: 'field_4999' is not a field of entity 'wide' "
        "(500 known); did you mean 'field_499'?"
    ), text
