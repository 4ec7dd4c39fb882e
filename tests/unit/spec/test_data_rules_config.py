"""vmsdq check on the rules json, monotonic, row_count_compare and drift: bad values are
reported at file:line with what was expected; good ones check."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vmsdq.cli import main

PROJECT = "name: t\nsources:\n  data: {type: files, path: data}\ndefault_source: data\n"
EVENT = "entity: event\nkey: id\nfields:\n  id: {}\n"
LEDGER = """\
entity: ledger
key: id
fields:
  id: {}
  account: {}
  seq: {type: integer}
  balance: {type: number}
  meta: {json_text: {schema: {type: object}}}
rules:
  - {name: grows, type: monotonic, field: balance, order_by: [seq], within: [account]}
  - {name: per_event, type: row_count_compare, entity: event, ratio: 2, tolerance: 0.1}
  - {name: balance_drift, type: drift, field: balance, method: psi}
"""


def _check(root: Path, ledger: str) -> tuple[int, str]:
    (root / "entities").mkdir(exist_ok=True)
    (root / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "entities" / "event.yaml").write_text(EVENT, encoding="utf-8")
    (root / "entities" / "ledger.yaml").write_text(ledger, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    return result.exit_code, result.output


def test_the_new_kinds_check(tmp_path: Path) -> None:
    code, output = _check(tmp_path, LEDGER)
    assert code == 0, output
    assert output.startswith("OK: 2 entities, ")


def test_bad_values_are_reported_at_their_line(tmp_path: Path) -> None:
    bad = LEDGER.replace("tolerance: 0.1", "tolerance: -1").replace("method: psi", "method: kl")
    code, output = _check(tmp_path, bad)
    ledger = tmp_path / "entities" / "ledger.yaml"
    assert code == 2
    assert (
        f"{ledger}:11:84: rules[1].tolerance: invalid value -1: input should be greater than "
        "or equal to 0"
    ) in output
    assert f"{ledger}:12:64: rules[2].method: invalid value 'kl' (allowed: 'ks', 'chi_square' " in (
        output
    )


def test_unknown_fields_and_entities_are_reported_at_their_line(tmp_path: Path) -> None:
    bad = LEDGER.replace("order_by: [seq]", "order_by: [sequence]").replace(
        "entity: event, ratio: 2", "entity: events, ratio: 2"
    )
    code, output = _check(tmp_path, bad)
    ledger = tmp_path / "entities" / "ledger.yaml"
    assert code == 2
    assert f"{ledger}:10:" in output and "'sequence' is not a field of entity 'ledger'" in output
    assert f"{ledger}:11:" in output and "'events'" in output


def test_drift_ks_on_text_and_json_on_numbers_fail_the_check(tmp_path: Path) -> None:
    bad = LEDGER.replace("field: balance, method: psi", "field: account, method: ks").replace(
        "meta: {json_text:", "meta: {type: integer, json_text:"
    )
    code, output = _check(tmp_path, bad)
    assert code == 2
    assert "rule 'ledger.balance_drift': method 'ks' compares numbers" in output
    assert "rule 'ledger.meta.json': 'json_text' applies to string fields; 'meta' is integer" in (
        output
    )


def test_the_json_schema_accepts_the_new_keys() -> None:
    from vmsdq.spec.schema import entity_json_schema

    schema = entity_json_schema()
    key = schema["properties"]["key"]
    assert {"type": "string"} in key["anyOf"]
    assert {"items": {"type": "string"}, "minItems": 1, "type": "array"} in key["anyOf"]
    assert "composite key" in key["description"]
    assert "json_text" in schema["$defs"]["FieldSpec"]["properties"]
    mapping = schema["properties"]["rules"]["items"]["discriminator"]["mapping"]
    assert {"monotonic", "row_count_compare", "drift"} <= set(mapping)
