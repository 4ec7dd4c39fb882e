"""`vmsdq check` catches without data what would fail or mean nothing at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.spec.sandbox import MAX_DEPTH

PROJECT = "name: c\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"


def check(tmp_path: Path, fields: str, rules: str = "") -> tuple[int, str]:
    (tmp_path / "entities").mkdir(exist_ok=True)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    text = f"entity: p\nkey: id\nfields:\n  id: {{required: true}}\n{fields}"
    text += f"rules:\n{rules}" if rules else ""
    (tmp_path / "entities" / "p.yaml").write_text(text)
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ('  code: {format: {format: regex, pattern: "([a-z"}}\n',
         "p.yaml:5:43: fields.code.format.pattern: pattern '([a-z' is not a valid regular"),
        ('  code: {format: {format: regex, pattern: "(?=a)b"}}\n',
         "uses lookaround or a backreference"),
        ("  age: {type: integer, min: ten}\n",
         "p.yaml:5:29: fields.age.min: 'ten' is not a number (the field is integer)"),
        ("  born: {type: date, min: 2024-02-30}\n",
         "p.yaml:5:27: '2024-02-30' is not a valid date (day is out of range for month)"),
        ('  born: {type: date, max: "24-01-01"}\n',
         "fields.born.max: '24-01-01' is not a date (write YYYY-MM-DD"),
        ("  score: {type: number, range: {min: 1, max: zero}}\n",
         "fields.score.range: max: 'zero' is not a number"),
        ("  score: {type: number, max: .inf}\n", "inf is not a finite number"),
    ],
)  # fmt: skip
def test_bad_values_are_config_errors_at_their_line(
    tmp_path: Path, field: str, message: str
) -> None:
    code, out = check(tmp_path, field)
    assert code == 2 and message in out, out


@pytest.mark.parametrize(
    ("check_", "message"),
    [
        ("age + 1", "it gives a number, not true or false, so the rule could never fail"),
        ("'yes'", "it gives text"),
        ("name", "it gives the value of 'name', which is not a boolean field"),
        ("CASE WHEN age > 1 THEN age ELSE 0 END", "it gives a number"),
        # the parser gives up ("nests too deeply") or the depth is counted ("nests 62 levels
        # deep"), as deep as compiled SQLGlot (sqlglotc) parses: both name the engine's limit
        ("(" * 60 + "age > 1" + ")" * 60, f"the engine takes {MAX_DEPTH}"),
        ("abs(" * 45 + "age" + ")" * 45 + " > 1", f"the engine takes {MAX_DEPTH}"),
    ],
)
def test_expressions_that_are_not_conditions_or_too_deep(
    tmp_path: Path, check_: str, message: str
) -> None:
    fields = "  age: {type: integer}\n  name: {}\n  active: {type: boolean}\n"
    code, out = check(
        tmp_path, fields, f"  - name: r\n    type: expression\n    check: {check_!r}\n"
    )
    assert code == 2 and "p.yaml:" in out and "rule 'p.r'" in out and message in out, out


def test_conditions_and_boolean_fields_still_pass_and_the_deepest_one_runs(
    tmp_path: Path,
) -> None:
    fields = "  age: {type: integer}\n  active: {type: boolean}\n"
    deep = "(" * 30 + "age > 1" + ")" * 30
    rules = (
        "  - {name: flag, type: expression, check: active}\n"
        "  - {name: cased, type: expression,"
        " check: 'CASE WHEN age > 1 THEN active ELSE TRUE END'}\n"
        f"  - {{name: deep, type: expression, check: '{deep}'}}\n"
    )
    code, out = check(tmp_path, fields, rules)
    assert code == 0, out
    (tmp_path / "data" / "p.csv").write_text("id,age,active\n1,5,true\n2,0,false\n")
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    rules_out = {r["rule"]: r for e in json.loads(result.stdout)["entities"] for r in e["rules"]}
    assert rules_out["p.deep"]["outcome"] != "error" and rules_out["p.deep"]["failed"] == 1
    assert rules_out["p.flag"]["failed"] == 1
