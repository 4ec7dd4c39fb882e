"""Generated YAML and CSV through `vmsdq check` and `vmsdq validate`: never a traceback,
every record either validated or reported as rejected, the exit code from the verdict."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmsdq.cli import main
from vmsdq.cli.errors import EXIT

NAMES = ["id", "name", "age", "born", "score", "active", "Email", "x y"]
TYPES = ["string", "integer", "number", "boolean", "date", "timestamp"]
SCALARS = st.one_of(
    st.integers(-10, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["ten", "2024-02-30", "2024-01-01", "", "NaN", "0x1F", "17.5", "é"]),
    st.none(),
)
CHECKS = st.sampled_from(
    ["age > 1", "age + 1", "name IS NOT NULL", "lower(name) = 'x'", "read_csv('x') IS NULL",
     "score BETWEEN 0 AND 1", "(((age > 1)))", "active", "unknown > 1", "age >", ""]
)  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(["1", "17.5", "0x1F", "NaN", "2024-02-30", "2024-01-01", "true", "", " "]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters='"\r\n\x00'), max_size=6),
)


@st.composite
def entity(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(NAMES[1:]), unique=True, max_size=4))
    fields: dict[str, Any] = {"id": {"required": True}}
    for name in names:
        spec: dict[str, Any] = {"type": draw(st.sampled_from(TYPES))}
        if draw(st.booleans()):
            spec["min"] = draw(SCALARS)
        if draw(st.booleans()):
            spec["allowed"] = draw(st.lists(SCALARS, max_size=3))
        if draw(st.booleans()):
            spec["unique"] = True
        fields[name] = spec
    rules = [
        {"name": f"r{i}", "type": "expression", "check": draw(CHECKS)}
        for i in range(draw(st.integers(0, 2)))
    ]
    return {"entity": "e", "key": "id", "fields": fields, "rules": rules}


@st.composite
def csv_file(draw: st.DrawFn, columns: list[str]) -> tuple[bytes, int]:
    header = list(columns)
    if draw(st.booleans()) and len(header) > 1:
        header.pop()  # a declared column missing from the file
    lines = [",".join(header).encode()]
    rows = draw(st.integers(0, 6))
    for _ in range(rows):
        cells = [draw(CELLS) for _ in range(len(header) + draw(st.sampled_from([0, 0, 0, 1, -1])))]
        line = ",".join(cells).encode()
        if draw(st.integers(0, 9)) == 0:
            line += b"\xff"  # not UTF-8
        lines.append(line)
    return b"\n".join(lines) + b"\n", rows


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_check_and_validate_never_crash_and_report_every_record(data: st.DataObject) -> None:
    spec = data.draw(entity())
    content, rows = data.draw(csv_file(list(spec["fields"])))
    root = Path(tempfile.mkdtemp(prefix="vmsdq-fuzz-"))
    try:
        (root / "entities").mkdir()
        (root / "data").mkdir()
        (root / "vmsdq.yaml").write_text(
            "name: f\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"
        )
        (root / "entities" / "e.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
        (root / "data" / "e.csv").write_bytes(content)
        check = CliRunner().invoke(main, ["check", "--project", str(root)])
        assert (
            "Traceback" not in check.output
            and check.exception is None
            or isinstance(check.exception, SystemExit)
        ), check.output
        assert check.exit_code in (0, 2), check.output
        args = ["validate", "--project", str(root), "--format", "json"]
        result = CliRunner().invoke(main, args)
        assert "Traceback" not in result.output, result.output
        if check.exit_code == 2 and result.exit_code == 2:
            assert "Configuration error" in result.output
            return
        payload = json.loads(result.stdout)
        if check.exit_code == 2:
            # what check refuses without data, a run reports as that entity's error (the
            # other entities of a project still run): never a pass
            assert payload["verdict"] == "incomplete" and result.exit_code == EXIT["incomplete"]
            assert payload["entities"][0]["status"] != "ok", payload
            return
        assert result.exit_code == EXIT[payload["verdict"]]
        (found,) = payload["entities"]
        if found["status"] == "ok":
            assert found["rows"] + found["rejected"] == rows, found
        else:
            assert found["message"] and payload["verdict"] == "incomplete"
    finally:
        shutil.rmtree(root, ignore_errors=True)
