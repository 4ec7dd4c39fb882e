"""generate_demo: deterministic, sized by volunteers, defects at known rates, truth exact."""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vmsdq.demo import DemoManifest, generate_demo
from vmsdq.demo.generate import DEFECT_RATES, load_entity_specs
from vmsdq.demo.rules import expand_project

AS_OF = datetime(2026, 5, 4, 12, 0)


def _digest(path: Path) -> str:
    files = sorted(path.glob("*")) if path.is_dir() else [path]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def _truth(manifest: DemoManifest) -> set[tuple[str, str]]:
    assert manifest.truth_path is not None
    rows = pq.read_table(manifest.truth_path).to_pylist()
    return {(r["rule"], r["key"]) for r in rows if ".reconcile." not in r["rule"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_demo(tmp_path_factory.mktemp("demo"), volunteers=800, seed=3, as_of=AS_OF)


def test_same_seed_gives_the_same_bytes(tmp_path: Path, demo: DemoManifest) -> None:
    again = generate_demo(tmp_path, volunteers=800, seed=3, as_of=AS_OF)
    assert again.truth_path is not None and demo.truth_path is not None
    assert _digest(again.truth_path) == _digest(demo.truth_path)
    for entity, path in demo.files.items():
        assert _digest(again.files[entity]) == _digest(path), entity


def test_another_seed_gives_other_data(tmp_path: Path, demo: DemoManifest) -> None:
    other = generate_demo(tmp_path, volunteers=800, seed=4, as_of=AS_OF)
    assert _digest(other.files["volunteer"]) != _digest(demo.files["volunteer"])


def test_sizes_scale_with_volunteers(demo: DemoManifest) -> None:
    rows = demo.rows
    assert rows["volunteer"] == 800
    assert rows["participation"] == 2000
    assert rows["student"] == 960
    for entity in ("event", "organization", "teacher", "school", "district"):
        assert rows[entity] > 0
    assert pq.read_metadata(demo.files["volunteer"]).num_rows == 800
    with demo.files["teacher"].open() as fh:
        assert sum(1 for _ in fh) == rows["teacher"] + demo.injected["teacher.record.parseable"] + 1


def test_every_injected_defect_is_in_the_truth(demo: DemoManifest) -> None:
    assert demo.missing == []
    assert demo.truth_rows == len(_truth(demo))


def test_every_rule_but_row_minimums_gets_defects(demo: DemoManifest) -> None:
    rules = expand_project(load_entity_specs(demo.project_dir))
    failing = {rule for rule, _ in _truth(demo)}
    without = sorted(r.name for r in rules if r.name not in failing)
    # guards that hold in the demo (the oracle must agree they pass): row minimums, fresh
    # entities, two metrics, the count of registrations per event and the parts of the
    # school schema the export keeps; a drift rule needs a reference run the generator does
    # not make (tests/integration/test_ground_truth.py makes one and decides it)
    holding = {
        "participation.hours_drift",
        "participation.attended_hours_total",
        "participation.registrations_per_event",
        "volunteer.email_missing_share",
        "school.schema.required_columns",
        "school.schema.types",
        "school.schema.order",
    }
    assert all(n.endswith((".has_rows", ".fresh")) or n in holding for n in without), without
    assert {"school.fresh", "district.fresh", "organization.no_test_records"} <= failing


def test_zero_defect_scale_gives_an_empty_truth(tmp_path: Path) -> None:
    clean = generate_demo(tmp_path, volunteers=600, seed=9, defect_scale=0, as_of=AS_OF)
    assert clean.injected == {}
    assert clean.truth_path is not None
    assert pq.read_table(clean.truth_path).num_rows == 0  # reconciliation included
    assert clean.truth_rows == 0


def test_defects_follow_the_declared_rates(tmp_path: Path) -> None:
    manifest = generate_demo(tmp_path, volunteers=4000, seed=5, as_of=AS_OF, defect_scale=0.5)
    n = manifest.rows["volunteer"]
    assert manifest.injected["volunteer.phone.format"] == round(n * DEFECT_RATES["format"] / 2)
    parts = manifest.rows["participation"]
    assert manifest.injected["participation.status.allowed"] == round(
        parts * DEFECT_RATES["allowed"] / 2
    )
    assert manifest.missing == []


def test_without_truth_no_stale_truth_or_mirror_is_left(tmp_path: Path) -> None:
    generate_demo(tmp_path, volunteers=300, seed=1, as_of=AS_OF)
    assert (tmp_path / "truth" / "truth.parquet").exists()
    manifest = generate_demo(tmp_path, volunteers=800, seed=1, as_of=AS_OF, write_truth=False)
    assert manifest.truth_path is None
    assert not (tmp_path / "truth" / "truth.parquet").exists()
    import pyarrow.parquet as pq

    # the Salesforce copy is written at every size, fresh: it describes the new data
    copy = pq.read_metadata(tmp_path / "salesforce" / "Contact_volunteer.parquet").num_rows
    assert copy > 600
    assert manifest.injected["volunteer.email.required"] == round(800 * DEFECT_RATES["required"])


def test_timestamps_follow_as_of(demo: DemoManifest) -> None:
    table = pq.read_table(demo.files["volunteer"], columns=["updated_at"])
    newest = max(v for v in table.column("updated_at").to_pylist() if v is not None)
    assert AS_OF - timedelta(days=1) < newest <= AS_OF


def test_malformed_csv_lines_are_the_parseable_truth(demo: DemoManifest) -> None:
    lines = {int(k.split(":")[1]) for r, k in _truth(demo) if r == "teacher.record.parseable"}
    assert lines
    with demo.files["teacher"].open(newline="") as fh:
        raw = fh.read().split("\n")
    width = raw[0].count(",") + 1
    for number in lines:
        line = raw[number - 1]
        broken_quote = '"' in line
        assert broken_quote or line.count(",") + 1 != width, line
    good = [n for n in range(2, len(raw)) if raw[n - 1] and n not in lines]
    for number in good[:50]:
        assert next(csv.reader([raw[number - 1]], strict=True)).__len__() == width


def test_a_custom_rule_is_named_not_fatal(tmp_path: Path) -> None:
    from vmsdq.demo import install_pack

    install_pack(tmp_path)
    entity = tmp_path / "entities" / "volunteer.yaml"
    custom = "  - {name: short_city, type: expression, check: length(mailing_city) < 30}\n"
    entity.write_text(entity.read_text().replace("rules:\n", "rules:\n" + custom, 1))
    manifest = generate_demo(tmp_path, volunteers=300, seed=2, as_of=AS_OF, salesforce=False)
    assert manifest.uninjected == ["volunteer.short_city"]
    assert manifest.unchecked == ["volunteer.short_city"]
    assert manifest.missing == []


@pytest.mark.parametrize(("volunteers", "scale"), [(300, 4.5), (300, 10.0), (1000, 5.0)])
def test_high_defect_scales_are_capped_not_fatal(tmp_path: Path, volunteers: int,
                                                 scale: float) -> None:  # fmt: skip
    manifest = generate_demo(tmp_path, volunteers=volunteers, seed=11, as_of=AS_OF,
                             defect_scale=scale, salesforce=False)  # fmt: skip
    assert manifest.missing == []
    assert manifest.truth_rows > 0
    malformed = manifest.injected.get("teacher.record.parseable", 0)
    for rule, count in manifest.injected.items():
        entity = rule.split(".")[0]
        rows = manifest.rows[entity] + (malformed if entity == "teacher" else 0)
        assert count <= max(1, 0.4 * rows), (rule, count, rows)
