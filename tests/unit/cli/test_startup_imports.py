"""``vmsdq validate`` over CSV files imports only what it uses (issue #9, issue #15 item 11).

Start-up imports are most of the fixed cost of a run: the web app, the job queue, migrations,
reports, plotting, scipy, and (for CSV and JSON) pyarrow and numpy stay unimported. The run
is made in a fresh interpreter (after a first run has created the results store, which needs
Alembic), and its ``sys.modules`` is read at the end; no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vmsdq.cli import GC_THRESHOLDS

UNUSED = (
    "flask",
    "celery",
    "alembic",
    "matplotlib",
    "reportlab",
    "scipy",
    "pyarrow",
    "numpy",
    "pandas",
    "jsonschema",
    "urllib3",
    "pythonjsonlogger",  # the workers' and the server's logging
)
# vmsdq modules a validate does not need: the other commands (imported on first use) and
# what only they use
UNUSED_VMSDQ = (
    "vmsdq.cli.serve_cmds",
    "vmsdq.cli.jobs_cmds",
    "vmsdq.cli.report_cmds",
    "vmsdq.cli.security_cmds",
    "vmsdq.cli.analytics_cmds",
    "vmsdq.cli.db_cmds",
    "vmsdq.cli.runs_cmds",
    "vmsdq.cli.spec_cmds",
    "vmsdq.services.logs",
    # repositories are imported by the property that builds them (store/repos/__init__.py)
    "vmsdq.store.repos.tokens",
    "vmsdq.store.repos.users",
    "vmsdq.store.repos.changes",
)

RUN = """
import json, sys
from vmsdq.cli import main
sys.argv = ["vmsdq", "validate", "--project", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit as stop:
    code = stop.code
names = sorted({m.split(".")[0] for m in sys.modules} | set(sys.modules))
import gc
print("\\n@@" + json.dumps({"code": code, "modules": names, "gc": gc.get_threshold()}))
"""


def _project(root: Path) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(
        "name: small\nsources:\n  vms: {type: files, path: data}\ndefault_source: vms\n"
    )
    (root / "data" / "item.csv").write_text("id,amount\n1,5\n2,-1\n3,\n")
    (root / "entities" / "item.yaml").write_text(
        "entity: item\nkey: id\nsources:\n  vms: {path: item.csv}\n"
        "fields:\n  id: {type: integer}\n  amount: {type: integer, min: 0}\n"
        "rules:\n  - {name: small, type: expression, check: 'amount < 100'}\n"
    )
    return root


def test_validate_over_csv_leaves_the_heavy_packages_unimported(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    command = [sys.executable, "-c", RUN, str(root)]
    first = subprocess.run(command, cwd=root, capture_output=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr  # creates the store (migrations: Alembic)
    done = subprocess.run(
        command, cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    report, _, tail = done.stdout.rpartition("\n@@")
    found = json.loads(tail)
    assert found["code"] == 0, done.stderr
    result = json.loads(report)  # the run went through: store, failure file, scores
    assert (result["status"], result["verdict"]) == ("completed", "warned")
    [entity] = result["entities"]
    outcomes = {r["rule"]: r["outcome"] for r in entity["rules"]}
    assert outcomes == {
        "item.id.type": "passed",
        "item.amount.type": "passed",
        "item.amount.range": "failed",  # -1 < 0
        "item.small": "passed",
    }
    imported = sorted(set(UNUSED + UNUSED_VMSDQ) & set(found["modules"]))
    assert imported == [], f"imported by a CSV validate: {imported}"
    # the collector does not rescan the long-lived objects every 700 allocations
    assert tuple(found["gc"]) == GC_THRESHOLDS
