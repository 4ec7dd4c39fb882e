"""The benchmark subset as SodaCL checks over DuckDB views of the Parquet files (counts only).

Usage (in bench/.work/venv-soda): python soda_run.py DATA_DIR -> JSON {check: measured value}.
Built-in SodaCL metrics where Soda has them (missing_count, duplicate_count, invalid_count
with valid regex/values/min/max/max length, reference checks, schema, row_count, freshness);
nearest equivalents: a date range, cross-field and conditional rules are user-defined
expression metrics (computed in Soda's shared aggregation query); the aggregate rule is a
user-defined SQL query metric. Failed-row samples are disabled (counts only).
Soda's duplicate_count counts duplicated values, not rows: its numbers differ there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from checks import CHECKS, TABLES, Check  # noqa: E402


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _y(value: str) -> str:  # a YAML double-quoted scalar
    return json.dumps(value)


def sodacl(check: Check) -> tuple[str, dict[str, Any]]:
    """(check line, its configuration) for one benchmark check."""
    kind, col, name = check["kind"], check.get("column"), check["name"]
    if kind == "required":
        return f"missing_count({col}) = 0", {}
    if kind == "unique":
        cols = ", ".join(check.get("within", []) + check["columns"])
        return f"duplicate_count({cols}) = 0", {}
    if kind == "format":  # Soda puts the regex in a SQL literal unescaped
        return f"invalid_count({col}) = 0", {"valid regex": check["pattern"].replace("'", "''")}
    if kind == "allowed":
        return f"invalid_count({col}) = 0", {"valid values": check["values"]}
    if kind == "range" and check["type"] != "date":
        return f"invalid_count({col}) = 0", {"valid min": check["min"], "valid max": check["max"]}
    if kind == "length":
        return f"invalid_count({col}) = 0", {"valid max length": check["max"]}
    return _metric(check, name)


def _metric(check: Check, name: str) -> tuple[str, dict[str, Any]]:
    kind, col = check["kind"], check.get("column")
    metric = name.split(".", 1)[1].replace(".", "_")
    if kind == "range":
        cond = f"{col} < DATE {_q(check['min'])} OR {col} > DATE {_q(check['max'])}"
    elif kind == "compare":
        op = {">=": "<", ">": "<="}[check["op"]]
        cond = f"{check['left']} {op} {check['right']}"
    elif kind == "conditional":
        cond = f"{check['when'][0]} = {_q(check['when'][1])} AND NOT ({_then(check['then'])})"
    elif kind == "aggregate":
        return f"{metric} = 0", {f"{metric} query": _aggregate_sql(check)}
    else:
        raise ValueError(kind)
    return f"{metric} = 0", {f"{metric} expression": f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"}


def _then(then: dict[str, Any]) -> str:
    if "equals" in then:
        col, value = then["equals"]
        return f"coalesce({col}, '') = {_q(value)}"
    if "present" in then:
        return f"length(trim(coalesce({then['present']}, ''))) > 0"
    return f"coalesce({then['positive']}, 0) > 0"


def _aggregate_sql(check: Check) -> str:
    col, value = check["related_exclude"]
    fk, key, rel, field = check["foreign_key"], check["key"], check["related"], check["field"]
    return (
        f"SELECT count(*) FROM {check['table']} t LEFT JOIN (SELECT {fk}, count(*) AS n "
        f"FROM {rel} WHERE {col} <> {_q(value)} GROUP BY {fk}) r ON t.{key} = r.{fk} "
        f"WHERE t.{field} IS NOT NULL AND t.{field} <> coalesce(r.n, 0)"
    )


def table_lines(table: str) -> list[str]:
    lines = [f"checks for {table}:"]
    for check in (c for c in CHECKS if c["table"] == table):
        kind, name = check["kind"], check["name"]
        if kind == "reference":
            lines.append(
                f"  - values in ({check['column']}) must exist in {check['target']} "
                f"({check['target_column']}):"
            )
        elif kind == "row_count":
            lines.append(f"  - row_count >= {check['min']}:")
        elif kind == "freshness":
            lines.append(f"  - freshness({check['column']}) < {check['max_age_s'] // 86400}d:")
        elif kind == "type":
            lines += [
                "  - schema:",
                "      fail:",
                "        when wrong column type:",
                f"          {check['column']}: DOUBLE",
            ]
        else:
            line, cfg = sodacl(check)
            lines.append(f"  - {line}:")
            lines += [f"      {k}: {json.dumps(v)}" for k, v in cfg.items()]
        lines.append(f"      name: {_y(name)}")
    return lines


def main(data_dir: str) -> None:
    import duckdb
    from soda.common.config_helper import ConfigHelper

    work = Path(__file__).resolve().parents[1] / ".work"  # no telemetry: set before Scan loads
    (work / "soda-config.yml").write_text("send_anonymous_usage_stats: false\n")
    ConfigHelper.get_instance(str(work / "soda-config.yml"))
    from soda.scan import Scan

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for table in TABLES:
        path = Path(data_dir, f"{table}.parquet").as_posix()
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({_q(path)})")
    scan = Scan()
    scan.set_data_source_name("duckdb")
    scan.add_duckdb_connection(con, "duckdb")
    scan._configuration.samples_limit = 0
    yaml = "\n".join(
        line for t in TABLES if any(c["table"] == t for c in CHECKS) for line in table_lines(t)
    )
    scan.add_sodacl_yaml_str(yaml)
    scan.execute()
    print(json.dumps(measured(scan)))


def measured(scan: Any) -> dict[str, Any]:
    counts: dict[str, Any] = {c["name"]: None for c in CHECKS}
    for result in scan.get_scan_results()["checks"]:
        diag = result.get("diagnostics") or {}
        value = diag.get("value")
        if result["name"] in counts:
            counts[result["name"]] = (
                value if value is not None else int(result["outcome"] == "fail")
            )
    for check in CHECKS:  # table checks report 0/1 like the other tools
        if check["kind"] in ("row_count", "freshness", "type"):
            outcome = next(
                (
                    r["outcome"]
                    for r in scan.get_scan_results()["checks"]
                    if r["name"] == check["name"]
                ),
                None,
            )
            counts[check["name"]] = None if outcome is None else int(outcome == "fail")
    return counts


if __name__ == "__main__":
    main(sys.argv[1])
