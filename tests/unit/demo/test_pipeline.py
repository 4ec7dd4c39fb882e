"""The entity-by-entity generator: the same rows whether whole frames are kept or not, and the
vectorised lookups give what their per-row definitions give."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from vmsdq.demo import generate_demo, salesforce_copy
from vmsdq.demo.inject_rules import predecessors

AS_OF = datetime(2026, 12, 1, 12)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] in ("data", "salesforce")
    }


def test_shrinking_written_entities_changes_no_byte(tmp_path: Path) -> None:
    kept = generate_demo(tmp_path / "kept", volunteers=600, seed=7, as_of=AS_OF, write_truth=True)
    shrunk = generate_demo(tmp_path / "shrunk", volunteers=600, seed=7, as_of=AS_OF,
                           write_truth=False)  # fmt: skip
    assert _hashes(tmp_path / "kept") == _hashes(tmp_path / "shrunk")
    assert len(_hashes(tmp_path / "kept")) == 17  # 9 VMS files, 8 Salesforce objects
    assert kept.rows == shrunk.rows
    assert kept.injected == shrunk.injected
    assert list(kept.files)[:8] == [
        "district", "school", "organization", "volunteer", "teacher", "student", "event",
        "participation",
    ]  # fmt: skip


def test_predecessors_match_the_dictionary_definition() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        vols = [None if rng.random() < 0.1 else f"V{int(rng.integers(0, 5))}" for _ in range(n)]
        number = rng.integers(-2, 5, n)
        row_of = {(vols[i], int(number[i])): i for i in range(n)}
        want = [row_of.get((vols[i], int(number[i]) - 1), -1) for i in range(n)]
        assert predecessors(pa.array(vols, pa.string()), number).tolist() == want


def test_drift_reads_rows_in_parts_without_changing_a_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(tmp_path / "whole", volunteers=600, seed=7, as_of=AS_OF, write_truth=False)
    monkeypatch.setattr(salesforce_copy, "ROWS_AT_ONCE", 7)
    generate_demo(tmp_path / "parts", volunteers=600, seed=7, as_of=AS_OF, write_truth=False)
    assert _hashes(tmp_path / "whole") == _hashes(tmp_path / "parts")
