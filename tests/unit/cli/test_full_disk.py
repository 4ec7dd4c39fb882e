"""A disk that fills up while a run writes (the kernel's file-size limit, EFBIG, stands in for
ENOSPC): a clear error naming the file, the run stored, no partial files left."""

from __future__ import annotations

import hashlib
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

VMSDQ = str(Path(sys.executable).parent / "vmsdq")
LIMIT = 1_500_000  # bytes any one file may grow to (the results database stays below)


def _limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_files(tmp_path: Path) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(
        "name: f\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"
    )
    (tmp_path / "entities" / "a.yaml").write_text(
        "entity: a\nkey: id\nfields: {id: {required: true}, v: {}}\n"
    )
    (tmp_path / "entities" / "b.yaml").write_text("entity: b\nkey: id\nfields: {id: {}}\n")
    # values that do not compress (the archive is zstd Parquet): well over LIMIT
    lines = "".join(f"{i},{hashlib.sha1(str(i).encode()).hexdigest()}\n" for i in range(200_000))
    (tmp_path / "data" / "a.csv").write_text("id,v\n" + lines)
    (tmp_path / "data" / "b.csv").write_text("id\n1\n")
    result = subprocess.run(
        [VMSDQ, "validate", "--project", str(tmp_path), "--format", "json"],
        preexec_fn=_limit, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 3, result.stderr
    by = {e["entity"]: e for e in json.loads(result.stdout)["entities"]}
    assert by["a"]["status"] == "error"
    assert "Could not write file" in by["a"]["message"] and "File too large" in by["a"]["message"]
    assert str(tmp_path / ".vmsdq" / "artifacts" / "runs") in by["a"]["message"]  # which file
    assert by["b"]["status"] == "ok"  # the rest of the run goes on and is stored
    left = list((tmp_path / ".vmsdq" / "artifacts").rglob("part-*.parquet"))
    assert [p for p in left if "/a/" in str(p) or "/a." in p.name] == []
