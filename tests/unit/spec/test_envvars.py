"""``${VAR}`` in vmsdq.yaml: what the loaded project holds, and the error for an unset one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigError
from vmsdq.spec.envvars import interpolate
from vmsdq.spec.loader import load_project
from vmsdq.spec.models import FilesSourceSpec

ENTITY = """\
entity: organization
key: org_id
fields:
  org_id: {required: true}
"""


def _project(root: Path, project: str) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "vmsdq.yaml").write_text(project, encoding="utf-8")
    (root / "entities" / "organization.yaml").write_text(ENTITY, encoding="utf-8")
    return root


def test_variables_fill_paths_names_and_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DQ_DATA", "/srv/crm/data")
    monkeypatch.setenv("DQ_TENANT", "acme")
    monkeypatch.setenv("DQ_THREADS", "3")
    monkeypatch.delenv("DQ_UNSET", raising=False)
    root = _project(
        tmp_path,
        "name: crm-${DQ_TENANT}\n"
        "tenant: ${DQ_TENANT}\n"
        "sources:\n"
        "  vms: {type: files, path: '${DQ_DATA}/vms', allow: ['${DQ_UNSET:-/srv/extra}']}\n"
        "default_source: vms\n"
        "engine: {threads: '${DQ_THREADS}'}\n"
        "store: {artifacts: '$${NOT_A_VARIABLE}'}\n",
    )
    spec = load_project(root).spec
    source = spec.sources["vms"]
    assert isinstance(source, FilesSourceSpec)
    assert (spec.name, spec.tenant, source.path) == ("crm-acme", "acme", "/srv/crm/data/vms")
    assert source.allow == ["/srv/extra"]
    assert spec.engine.threads == 3
    assert spec.store.artifacts == "${NOT_A_VARIABLE}"


def test_an_unset_variable_is_an_error_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DQ_MISSING", raising=False)
    root = _project(
        tmp_path,
        "name: test\nsources:\n  vms: {type: files, path: '${DQ_MISSING}/vms'}\n"
        "default_source: vms\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert str(caught.value) == (
        f"{root / 'vmsdq.yaml'}:3:28: environment variable 'DQ_MISSING' is not set "
        "(written as ${DQ_MISSING}; set it, or give a default: ${DQ_MISSING:-default})"
    )
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 2
    assert f"{root / 'vmsdq.yaml'}:3:28: environment variable 'DQ_MISSING'" in result.output


def test_entity_files_are_not_interpolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DQ_NAME", "x")
    root = _project(tmp_path, "sources:\n  vms: {type: files}\ndefault_source: vms\n")
    (root / "entities" / "organization.yaml").write_text(
        ENTITY + "  name: {allowed: ['${DQ_NAME}']}\n", encoding="utf-8"
    )
    allowed = load_project(root).entities["organization"].fields["name"].allowed
    assert allowed == ["${DQ_NAME}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain $5 and $HOME", "plain $5 and $HOME"),
        ("${A}-${B}", "1-"),
        ("${B:-dflt}", "dflt"),
        ("${B-dflt}", ""),
        ("${C-dflt}", "dflt"),
        ("${C:-a:b}", "a:b"),
        ("$${A}", "${A}"),
    ],
)
def test_interpolation_forms(text: str, expected: str) -> None:
    assert interpolate(text, {"A": "1", "B": ""}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${9X}", "'${9X}' is not a variable name"),
        ("${}", "'${}' is not a variable name"),
        ("x ${A", "'${A' is not closed with '}'"),
    ],
)
def test_interpolation_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("$", r"\$").replace("{", r"\{")):
        interpolate(text, {"A": "1"})
