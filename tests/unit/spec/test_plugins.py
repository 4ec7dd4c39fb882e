"""Plugins from the ``vmsdq.plugins`` entry-point group: they parse, compile and run.

The test distributions live in ``tests/fixtures/plugins/<name>/`` (a package and its
``.dist-info``); putting that folder on ``sys.path`` is all ``importlib.metadata`` needs.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner

from vmsdq.checks import compile_entity
from vmsdq.cli import main
from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.engine.testing import TableCase
from vmsdq.spec.loader import load_project
from vmsdq.spec.models import EntitySpec, FieldSpec
from vmsdq.spec.plugins import reset_plugins

PLUGINS = Path(__file__).parents[2] / "fixtures" / "plugins"
MODULES = ("vmsdq_example", "vmsdq_clash", "vmsdq_not_callable")

PROJECT = """\
name: plugins
sources:
  mem:
    type: inline
    rows:
      volunteer:
        - {id: v1, name: Ann, email: a@x.org, email_confirm: a@x.org}
        - {id: v2, name: " Bob", email: b@x.org, email_confirm: bob@x.org}
        - {id: v3, name: "Cy ", email: c@x.org}
        - {id: v4, name: Dee, email: d@x.org, email_confirm: D@x.org}
default_source: mem
"""

VOLUNTEER = """\
entity: volunteer
key: id
fields:
  id: {required: true, unique: true}
  name: {required: true, trimmed: true}
  email: {format: email}
  email_confirm: {}
rules:
  - name: email_confirmed
    type: same_as
    field: email
    other: email_confirm
    severity: critical
"""


@contextmanager
def installed(name: str) -> Iterator[None]:
    """The test distribution ``tests/fixtures/plugins/<name>`` installed for the block."""
    path = str(PLUGINS / name)
    sys.path.insert(0, path)
    importlib.invalidate_caches()
    reset_plugins()
    try:
        yield
    finally:
        sys.path.remove(path)
        for module in [m for m in sys.modules if m.split(".")[0] in MODULES]:
            del sys.modules[module]
        importlib.invalidate_caches()
        reset_plugins()


@pytest.fixture
def example() -> Iterator[None]:
    with installed("example"):
        yield


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project using the example's source type and both its rule types (relative paths)."""
    monkeypatch.chdir(tmp_path)
    write("vmsdq.yaml", PROJECT)
    write("entities/volunteer.yaml", VOLUNTEER)
    return tmp_path


def write(name: str, text: str) -> None:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(dedent(text), encoding="utf-8")


def messages() -> list[str]:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_project(".")
    error = info.value
    return [str(e) for e in error.errors] if isinstance(error, ConfigErrors) else [str(error)]


def test_plugin_types_parse_from_yaml(example: None, project: Path) -> None:
    from vmsdq_example.inline import InlineSourceSpec
    from vmsdq_example.rules import SameAsRule

    loaded = load_project(".")
    volunteer = loaded.entities["volunteer"]
    source = loaded.spec.sources["mem"]
    assert isinstance(source, InlineSourceSpec)
    assert [r["id"] for r in source.rows["volunteer"]] == ["v1", "v2", "v3", "v4"]
    [rule] = volunteer.rules
    assert isinstance(rule, SameAsRule)
    assert (rule.field, rule.other, rule.severity) == ("email", "email_confirm", "critical")
    assert volunteer.fields["name"].trimmed is True
    assert volunteer.fields["email"].trimmed is None
    assert loaded.rule_locations["volunteer.name.trimmed"] == "entities/volunteer.yaml:5:26"
    assert loaded.rule_locations["volunteer.email_confirmed"] == "entities/volunteer.yaml:9:5"


def test_plugin_rules_compile_with_their_defaults(example: None, project: Path) -> None:
    loaded = load_project(".")
    compiled = compile_entity(loaded.entities["volunteer"], loaded.entities)
    kinds = {c.name: (c.kind, c.dimension.value, c.severity.value) for c in compiled.checks}
    assert kinds["volunteer.name.trimmed"] == ("trimmed", "validity", "warning")
    assert kinds["volunteer.email_confirmed"] == ("same_as", "consistency", "critical")
    assert list(kinds)[:4] == [
        "volunteer.id.required",
        "volunteer.id.unique",
        "volunteer.name.required",
        "volunteer.name.trimmed",  # plugin shorthand after the shipped kinds
    ]


def test_plugin_types_run_end_to_end_through_validate(example: None, project: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--project", ".", "--format", "json"])
    assert result.exit_code == 1, result.output  # a critical rule failed
    payload = json.loads(result.stdout)
    [entity] = payload["entities"]
    assert entity["rows"] == 4
    got = {r["rule"]: (r["evaluated"], r["failed"], r["outcome"]) for r in entity["rules"]}
    assert got["volunteer.name.trimmed"] == (4, 2, "warn")
    assert got["volunteer.email_confirmed"] == (3, 2, "failed")
    assert failing_keys(payload["run_id"], "volunteer.name.trimmed") == ["v2", "v3"]
    assert failing_keys(payload["run_id"], "volunteer.email_confirmed") == ["v2", "v4"]


def failing_keys(run_id: str, rule: str) -> list[str]:
    args = ["failures", "--project", ".", "--run", run_id, "--rule", rule, "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return [row["key"] for row in json.loads(result.stdout)]


def test_a_plugin_rule_type_runs_in_a_table_case(example: None, tmp_path: Path) -> None:
    """The test-file example of docs/plugins.md."""
    rules = [{"name": "confirmed", "type": "same_as", "field": "a", "other": "b"}]
    case = TableCase("t", {"id": {}, "a": {}, "b": {}}, rules)
    case.rows(
        {"id": "1", "a": "x", "b": "x"}, {"id": "2", "a": "x", "b": "y"}, {"id": "3", "a": "x"}
    )
    result = case.run(tmp_path)
    assert result.failing("t.confirmed") == ["2"]
    assert result.rule("t.confirmed").evaluated == 2


def test_plain_field_specs_still_build_entities(example: None) -> None:
    entity = EntitySpec(entity="t", key="id", fields={"id": FieldSpec(required=True)})
    assert entity.fields["id"].required is True
    assert entity.fields["id"].trimmed is None


def test_config_errors_know_the_plugin_types(example: None, project: Path) -> None:
    write("entities/volunteer.yaml", VOLUNTEER.replace("type: same_as", "type: same_ass"))
    assert messages() == [
        "entities/volunteer.yaml:10:11: rules[0]: unknown rule type 'same_ass' (allowed: "
        "'expression', 'unique', 'aggregate', 'reference', 'row_count', 'freshness', "
        "'transition', 'metric', 'monotonic', 'row_count_compare', 'drift', 'same_as')"
    ]
    write("entities/volunteer.yaml", VOLUNTEER.replace("trimmed: true", "trimed: true"))
    [message] = messages()
    assert message.startswith("entities/volunteer.yaml:5:26: fields.name.trimed: unknown key")
    assert "range, references, required, source_name, trimmed, type, unique)" in message
    assert message.endswith("did you mean 'trimmed'?")
    write("entities/volunteer.yaml", VOLUNTEER.replace("other: email_confirm", "other: confirm"))
    assert messages() == [
        "entities/volunteer.yaml:12:12: rules[0].other: 'confirm' is not a field of entity "
        "'volunteer' (known: email, email_confirm, id, name); did you mean 'email_confirm'?"
    ]
    write("entities/volunteer.yaml", VOLUNTEER)
    write("vmsdq.yaml", PROJECT.replace("type: inline", "type: inlin"))
    assert messages() == [
        "vmsdq.yaml:4:11: sources.mem: unknown type 'inlin' (allowed: 'files', 'demo', "
        "'sql', 'salesforce', 'inline')"
    ]


def test_without_the_plugin_its_types_are_refused(project: Path) -> None:
    assert messages() == [
        "entities/volunteer.yaml:5:26: fields.name.trimmed: unknown key 'trimmed' (valid keys: "
        "allow_nonfinite, allowed, check_type, description, format, json_text, length, max, min, "
        "range, references, required, source_name, type, unique)",
        "entities/volunteer.yaml:10:11: rules[0]: unknown rule type 'same_as' (allowed: "
        "'expression', 'unique', 'aggregate', 'reference', 'row_count', 'freshness', "
        "'transition', 'metric', 'monotonic', 'row_count_compare', 'drift')",
        "vmsdq.yaml:4:11: sources.mem: unknown type 'inline' (allowed: 'files', 'demo', 'sql', "
        "'salesforce')",
    ]


def test_schema_lists_the_plugin_types(example: None) -> None:
    entity = json.loads(CliRunner().invoke(main, ["schema"]).output)
    rules = entity["properties"]["rules"]["items"]["discriminator"]["mapping"]
    assert "same_as" in rules and "expression" in rules
    trimmed = entity["$defs"]["FieldSpec"]["properties"]["trimmed"]
    assert trimmed["description"] == "Text values carry no leading or trailing spaces."
    project = json.loads(CliRunner().invoke(main, ["schema", "--kind", "project"]).output)
    assert "InlineSourceSpec" in project["$defs"]
    assert project["properties"]["sources"]["description"] == (
        "Named data sources (types: files, demo, sql, salesforce, inline)."
    )


def test_a_plugin_that_does_not_import_is_a_config_error(project: Path) -> None:
    expected = (
        "plugin 'broken' (vmsdq_missing_module:register, from vmsdq-broken-import 0.1) does "
        "not load: ModuleNotFoundError: No module named 'vmsdq_missing_module'"
    )
    with installed("broken_import"):
        assert messages() == [expected]
        assert messages() == [expected]  # every later parse fails the same way
        result = CliRunner().invoke(main, ["check", "--project", "."])
    assert result.exit_code == 2
    assert expected in result.output


def test_a_plugin_registering_a_shipped_kind_again_is_a_config_error(project: Path) -> None:
    with installed("clash"):
        assert messages() == [
            "plugin 'clash' (vmsdq_clash:register, from vmsdq-clash 0.1) failed to register: "
            "rule type 'required' is already registered (by plugin 'vmsdq.rules')"
        ]


def test_a_plugin_naming_no_function_is_a_config_error(project: Path) -> None:
    with installed("not_callable"):
        assert messages() == [
            "plugin 'constant' (vmsdq_not_callable:RULES, from vmsdq-not-callable 0.1) must "
            "name a function without arguments, not a tuple"
        ]
