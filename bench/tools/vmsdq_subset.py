"""Writes a vmsdq project holding exactly the benchmark subset (bench/tools/checks.py).

Field types come from the shipped VMS pack; every field is declared with `check_type: false`
except where the subset has a type check, so the project's rules are the subset and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from checks import CHECKS, TABLES, Check, columns_of

DIMENSIONS = [
    "completeness",
    "validity",
    "uniqueness",
    "integrity",
    "consistency",
    "accuracy",
    "timeliness",
    "volume",
]
PACK = Path(__file__).resolve().parents[2] / "src" / "vmsdq" / "packs" / "vms" / "entities"


def write_project(project_dir: Path, data_dir: Path) -> Path:
    """Write vmsdq.yaml and entities/*.yaml into ``project_dir``; return it."""
    (project_dir / "entities").mkdir(parents=True, exist_ok=True)
    project = {
        "name": "bench-subset",
        "sources": {"vms": {"type": "files", "path": str(data_dir.resolve())}},
        "default_source": "vms",
        "entities": ["entities/*.yaml"],
        "store": {"url": "sqlite:///.vmsdq/results.db", "artifacts": ".vmsdq/artifacts"},
        "scoring": {"dimension_weights": dict.fromkeys(DIMENSIONS, 1.0)},
    }
    (project_dir / "vmsdq.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    for table in TABLES:
        entity = entity_spec(table)
        (project_dir / "entities" / f"{table}.yaml").write_text(
            yaml.safe_dump(entity, sort_keys=False, width=200)
        )
    return project_dir


def entity_spec(table: str) -> dict[str, Any]:
    pack = yaml.safe_load((PACK / f"{table}.yaml").read_text())
    fields: dict[str, dict[str, Any]] = {}
    for col in sorted({*columns_of(table), pack["key"]}):
        declared = pack["fields"].get(col, {})
        fields[col] = {"type": declared.get("type", "string"), "check_type": False}
    rules: list[dict[str, Any]] = []
    for check in (c for c in CHECKS if c["table"] == table):
        shorthand(check, fields, rules)
    return {
        "entity": table,
        "key": pack["key"],
        "sources": {"vms": {"path": pack["sources"]["vms"]["path"]}},
        "fields": fields,
        "rules": rules,
    }


def shorthand(check: Check, fields: dict[str, dict[str, Any]], rules: list[dict[str, Any]]) -> None:
    kind, col = check["kind"], check.get("column")
    short = check["name"].split(".", 1)[1]
    if kind == "required":
        fields[col]["required"] = True
    elif kind == "unique" and short.endswith(".unique"):
        within = check.get("within")
        fields[check["columns"][0]]["unique"] = {"within": within} if within else True
    elif kind == "unique":
        rules.append({"name": short, "type": "unique", "columns": check["columns"]})
    elif kind == "format":
        fields[col]["format"] = {"format": "regex", "pattern": check["pattern"]}
    elif kind == "allowed":
        fields[col]["allowed"] = check["values"]
    elif kind == "range":
        fields[col].update(min=check["min"], max=check["max"])
    elif kind == "length":
        fields[col]["length"] = check["max"]
    elif kind == "type":
        fields[col]["check_type"] = True
    elif kind == "reference":
        fields[col]["references"] = check["target"]
    else:
        rules.append(written_rule(check, short))


def written_rule(check: Check, name: str) -> dict[str, Any]:
    kind = check["kind"]
    if kind == "compare":
        cols = [check["left"], check["right"]]
        return {
            "name": name,
            "type": "expression",
            "columns": cols,
            "check": f"{check['left']} {check['op']} {check['right']}",
        }
    if kind == "conditional":
        col, value = check["when"]
        then = check["then"]
        if "equals" in then:
            inner, expected = then["equals"]
            cond = f"coalesce({inner}, '') = '{expected}'"
        elif "present" in then:
            inner = then["present"]
            cond = f"length(trim(coalesce({inner}, ''))) > 0"
        else:
            inner = then["positive"]
            cond = f"coalesce({inner}, 0) > 0"
        return {
            "name": name,
            "type": "expression",
            "when": f"{col} = '{value}'",
            "check": cond,
            "columns": [col, inner],
        }
    if kind == "aggregate":
        col, value = check["related_exclude"]
        return {
            "name": name,
            "type": "aggregate",
            "related": check["related"],
            "foreign_key": check["foreign_key"],
            "function": "count",
            "where": f"{col} <> '{value}'",
            "compare": "=",
            "field": check["field"],
        }
    if kind == "row_count":
        return {"name": name, "type": "row_count", "min": check["min"]}
    if kind == "freshness":
        return {
            "name": name,
            "type": "freshness",
            "field": check["column"],
            "max_age": f"{check['max_age_s'] // 86400}d",
        }
    raise ValueError(kind)
