"""Random damage to a valid project only ever yields located config errors, never a crash."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.spec.loader import load_project

PACK = Path(__file__).parents[3] / "src" / "vmsdq" / "packs" / "vms"
EVENT = yaml.safe_load((PACK / "entities" / "event.yaml").read_text(encoding="utf-8"))
PROJECT = (PACK / "vmsdq.yaml").read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("VMSDQ_FUZZ_EXAMPLES", "30"))  # 2,500 passed when written
WORDS = ["type", "name", "check", "when", "entity", "field", "min", "expression", "status", "x"]

values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(WORDS + ["", "a; b", "*"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(WORDS), inner),
    max_leaves=6,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    for key, value in items:
        found += paths(value, (*prefix, key))
    return found


ALL_PATHS = paths(EVENT)


def damaged(index: int, value: Any, drop: bool) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(EVENT))
    *parents, last = ALL_PATHS[index % len(ALL_PATHS)]
    node = data
    for part in parents:
        node = node[part]
    if drop and isinstance(node, dict):
        del node[last]
    else:
        node[last] = value
    return data


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), values, st.booleans())
def test_damaged_entity_gives_located_errors(index: int, value: Any, drop: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "entities").mkdir()
        (root / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
        for name in ("organization", "school", "participation"):
            text = (PACK / "entities" / f"{name}.yaml").read_text(encoding="utf-8")
            (root / "entities" / f"{name}.yaml").write_text(text, encoding="utf-8")
        event = root / "entities" / "event.yaml"
        event.write_text(yaml.safe_dump(damaged(index, value, drop)), encoding="utf-8")
        try:
            load_project(root)
        except ConfigErrors as e:
            errors = e.errors
        except ConfigError as e:
            errors = [e]
        else:
            return
    for error in errors:
        assert error.location is not None and error.location.line >= 1, str(error)
        assert error.message
