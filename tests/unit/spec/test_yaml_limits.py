"""Hostile YAML is refused quickly with file, line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError
from vmsdq.spec.yamlpos import MAX_DEPTH, load_yaml

LAUGHS = "\n".join(
    ["a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def test_a_billion_laughs_is_refused_in_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    with pytest.raises(ConfigError, match="billion laughs") as info:
        load_yaml(path)  # refused once the budget (the file's length + 10,000 values) is spent
    assert str(info.value).startswith(f"{path}:")


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {required: true}\nx: *b\ny: {<<: *b, unique: true}\n")
    assert load_yaml(path).data["y"] == {"required": True, "unique": True}


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    with pytest.raises(ConfigError, match="an alias refers to itself"):
        load_yaml(path)


def test_non_utf8_bytes_name_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"entity: x\ndescription: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    assert str(info.value) == (
        f"{path}:2:17: the file is not UTF-8 text: byte 0xe9 at byte offset 26"
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5_000])
def test_deep_nesting_is_a_clear_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ConfigError, match="levels"):
        load_yaml(path)


def test_a_scalar_yaml_cannot_build_is_an_error_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "date.yaml"
    path.write_text("min: 2024-02-30\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    assert (
        str(info.value)
        == f"{path}:1:6: '2024-02-30' is not a valid date (day is out of range for month)"
    )


def test_positions_of_merged_keys_and_aliased_values(tmp_path: Path) -> None:
    from vmsdq.spec.yamlpos import load_yaml

    file = tmp_path / "m.yaml"
    file.write_text("base: &b\n  x: 1\nother:\n  <<: *b\n  w: [a, {z: 2}]\nagain: *b\n")
    doc = load_yaml(file)
    assert doc.key_location(("other", "x")).line == 2  # written once, under base
    assert doc.location(("again", "x")).line == 2
    assert doc.location(("other", "nope", 3)).line == 4  # nearest written parent
    assert ("other", "w") in doc.keys and ("other", "nope") not in doc.keys
