"""The files source: what a user sees for good, malformed and missing CSV/JSON/Parquet data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from vmsdq.core.errors import MissingColumnError, SourceError
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.workspace import Workspace
from vmsdq.sources.files import FilesSource
from vmsdq.spec.models import EntitySpec, FilesSourceSpec


def entity(path: str | None = None, **source: Any) -> EntitySpec:
    sources = {"files": {"path": path, **source}} if path else {}
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": sources,
            "fields": {
                "id": {"type": "integer"},
                "name": {},
                "email": {"source_name": "Email"},
            },
        }
    )


def source(tmp_path: Path) -> FilesSource:
    return FilesSource(
        "files",
        FilesSourceSpec(type="files"),
        root=tmp_path,
        workspace=Workspace.at(tmp_path / "art"),
    )


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def rows(snap: Snapshot) -> list[tuple[Any, ...]]:
    files = [str(p) for p in snap.parquet]
    return duckdb.sql(f"SELECT * FROM read_parquet({files!r}) ORDER BY id").fetchall()


def test_good_csv_is_streamed_to_a_parquet_snapshot_with_fields_renamed(tmp_path: Path) -> None:
    write(tmp_path, "volunteers.csv", "id,name,Email,extra\n1,Ann,a@x.org,z\n2,,b@x.org,z\n")
    snap = source(tmp_path).read(entity("volunteers.csv"))
    assert rows(snap) == [("1", "Ann", "a@x.org"), ("2", None, "b@x.org")]
    assert duckdb.sql(f"SELECT * FROM '{snap.parquet[0]}'").columns == ["id", "name", "email"]
    assert snap.parquet[0].startswith(str(tmp_path / "art" / "scratch" / "volunteer"))
    assert snap.location == "data/volunteers.csv"
    assert snap.rejects == []
    assert snap.meta["rows"] == 2 and snap.meta["rejected"] == 0
    assert snap.meta["paths"] == ["data/volunteers.csv"] and snap.meta["format"] == "csv"
    assert snap.meta["read_seconds"] >= 0


def test_malformed_csv_lines_are_quarantined_with_physical_line_numbers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "volunteers.csv",
        "id,name,Email\n"  # line 1
        '1,"Ann\nMarie",a@x.org\n'  # lines 2-3: one record over two lines
        "2,Bob\n"  # line 4: too few columns
        "3,Cy,c@x.org,extra\n"  # line 5: too many columns
        "4,Dee,d@x.org\n",  # line 6
    )
    snap = source(tmp_path).read(entity("volunteers.csv"))
    assert rows(snap) == [("1", "Ann\nMarie", "a@x.org"), ("4", "Dee", "d@x.org")]
    got = [(r.line, r.raw, r.error, r.location) for r in snap.rejects]
    assert got == [
        (4, "2,Bob", "missing columns: expected 3 columns, found 2", "data/volunteers.csv"),
        (
            5,
            "3,Cy,c@x.org,extra",
            "too many columns: expected 3 columns, found 4",
            "data/volunteers.csv",
        ),
    ]
    assert snap.meta["rows"] == 2 and snap.meta["rejected"] == 2


def test_unterminated_quote_and_bad_encoding_are_reported_not_dropped(tmp_path: Path) -> None:
    write(
        tmp_path,
        "volunteers.csv",
        b'id,name,Email\n1,Ann,a@x.org\n2,\xff\xfeBob,b@x.org\n3,"Cy,c@x.org\n',
    )
    snap = source(tmp_path).read(entity("volunteers.csv"))
    assert rows(snap) == [("1", "Ann", "a@x.org")]
    assert [(r.line, r.error) for r in snap.rejects] == [
        (3, "invalid UTF-8 encoding"),
        (4, "unterminated or misplaced quote"),
    ]
    assert snap.rejects[1].raw == '3,"Cy,c@x.org'


def test_crlf_semicolon_and_bom_files_are_understood(tmp_path: Path) -> None:
    write(tmp_path, "v.csv", b"\xef\xbb\xbfid;name;Email\r\n1;Ann;a@x.org\r\n2;Bob\r\n")
    snap = source(tmp_path).read(entity("v.csv"))
    assert rows(snap) == [("1", "Ann", "a@x.org")]
    assert [(r.line, r.raw) for r in snap.rejects] == [(3, "2;Bob")]


def test_missing_declared_column_names_entity_column_and_file(tmp_path: Path) -> None:
    write(tmp_path, "volunteers.csv", "id,name,email\n1,Ann,a@x.org\n")
    with pytest.raises(MissingColumnError) as err:
        source(tmp_path).read(entity("volunteers.csv"))
    assert str(err.value) == (
        "entity 'volunteer': column 'Email' is missing from data/volunteers.csv"
    )


def test_no_matching_file_names_entity_pattern_and_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with pytest.raises(SourceError) as err:
        source(tmp_path).read(entity("vols_*.csv"))
    assert str(err.value) == (
        "entity 'volunteer': no file matches 'vols_*.csv' in folder data (source 'files')"
    )


def test_glob_reads_every_file_and_rejects_name_their_file(tmp_path: Path) -> None:
    write(tmp_path, "v_1.csv", "id,name,Email\n1,Ann,a@x.org\n")
    write(tmp_path, "v_2.csv", "Email,id,name\nb@x.org,2,Bob\nbad\n")
    snap = source(tmp_path).read(entity("v_*.csv"))
    assert rows(snap) == [("1", "Ann", "a@x.org"), ("2", "Bob", "b@x.org")]
    assert [(r.location, r.line) for r in snap.rejects] == [("data/v_2.csv", 3)]
    assert snap.location == "data/v_*.csv"
    assert snap.meta["paths"] == ["data/v_1.csv", "data/v_2.csv"]


def test_without_a_declared_path_the_entity_name_is_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "volunteer.csv", "id,name,Email\n1,Ann,a@x.org\n")
    assert rows(source(tmp_path).read(entity())) == [("1", "Ann", "a@x.org")]


def test_parquet_is_used_in_place_unless_columns_are_renamed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "v.parquet"
    path.parent.mkdir()
    duckdb.sql(
        f"COPY (SELECT 1 AS id, 'Ann' AS name, 'a@x.org' AS Email) TO '{path}' (FORMAT parquet)"
    )
    snap = source(tmp_path).read(entity("v.parquet"))
    assert rows(snap) == [(1, "Ann", "a@x.org")]
    assert snap.parquet[0] != str(path)  # Email -> email needed a copy
    plain = EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {"files": {"path": "v.parquet"}},
            "fields": {"id": {}, "Email": {}},
        }
    )
    snap = source(tmp_path).read(plain)
    assert snap.parquet == [str(path)] and snap.meta["rows"] == 1


def test_ndjson_bad_lines_are_quarantined_with_line_numbers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "v.jsonl",
        '{"id": 1, "name": "Ann", "Email": "a@x.org"}\n'
        '{"id": 2, "name": \n'
        "\n"
        "[1, 2]\n"
        '{"id": 5, "name": "Eve", "Email": null}\n',
    )
    snap = source(tmp_path).read(entity("v.jsonl"))
    assert rows(snap) == [("1", "Ann", "a@x.org"), ("5", "Eve", None)]
    assert [(r.line, r.raw) for r in snap.rejects] == [(2, '{"id": 2, "name": '), (4, "[1, 2]")]
    assert snap.rejects[0].error.startswith("invalid JSON: Expecting value")
    assert snap.rejects[1].error == "not a JSON object"


def test_json_array_and_missing_json_column(tmp_path: Path) -> None:
    write(tmp_path, "v.json", '[{"id": 1, "name": "Ann", "Email": "a@x.org"}]')
    assert rows(source(tmp_path).read(entity("v.json"))) == [("1", "Ann", "a@x.org")]
    write(tmp_path, "w.json", '{"id": 1, "name": "Ann"}\n')
    with pytest.raises(MissingColumnError, match="column 'Email' is missing from data/w.json"):
        source(tmp_path).read(entity("w.json"))


def test_previous_state_is_read_into_snapshot_previous(tmp_path: Path) -> None:
    write(tmp_path, "now.csv", "id,name,Email\n1,Ann,a@x.org\n")
    write(tmp_path, "before.csv", "id,name,Email\n1,Anne,a@x.org\n2,Bob,b@x.org\n")
    snap = source(tmp_path).read(entity("now.csv", previous="before.csv"))
    assert snap.previous is not None
    assert rows(snap.previous) == [("1", "Anne", "a@x.org"), ("2", "Bob", "b@x.org")]
    assert "volunteer__previous" in snap.previous.parquet[0]


def test_unknown_extension_asks_for_a_format(tmp_path: Path) -> None:
    write(tmp_path, "v.txt", "id,name,Email\n1,Ann,a@x.org\n")
    with pytest.raises(SourceError, match="cannot tell the format of data/v.txt"):
        source(tmp_path).read(entity("v.txt"))
    assert rows(source(tmp_path).read(entity("v.txt", format="csv"))) == [("1", "Ann", "a@x.org")]


def test_mirror_is_read_with_the_other_systems_field_names(tmp_path: Path) -> None:
    write(tmp_path, "Contact.csv", "Id,Email,Extra\n003A,a@x.org,z\n")
    spec = EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {"files": {"path": "Contact.csv"}},
            "fields": {"id": {}, "salesforce_id": {}, "email": {}},
            "mirror": {
                "object": "Contact",
                "match_on": "salesforce_id",
                "fields": {"email": "Email"},
            },
        }
    )
    snap = source(tmp_path).read_mirror(spec)
    assert "volunteer__mirror" in snap.parquet[0]
    assert duckdb.sql(f"SELECT * FROM '{snap.parquet[0]}'").fetchall() == [("003A", "a@x.org")]
    with pytest.raises(SourceError, match="entity 'volunteer' declares no mirror"):
        source(tmp_path).read_mirror(entity("Contact.csv"))


def test_header_only_csv_is_an_empty_snapshot_and_an_empty_file_an_error(tmp_path: Path) -> None:
    write(tmp_path, "v.csv", "id,name,Email\n")
    snap = source(tmp_path).read(entity("v.csv"))
    assert rows(snap) == [] and snap.meta["rows"] == 0
    write(tmp_path, "w.csv", "")
    with pytest.raises(SourceError, match=r"entity 'volunteer': data/w.csv is empty \(no header"):
        source(tmp_path).read(entity("w.csv"))


def test_ndjson_with_no_readable_line_keeps_every_reject(tmp_path: Path) -> None:
    write(tmp_path, "v.jsonl", "not json\n{broken\n")
    snap = source(tmp_path).read(entity("v.jsonl"))
    assert rows(snap) == [] and [r.line for r in snap.rejects] == [1, 2]
    assert duckdb.sql(f"SELECT * FROM '{snap.parquet[0]}'").columns == ["id", "name", "email"]


def test_column_types_from_parquet_and_none_from_csv(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vmsdq.core.words import FieldType

    (tmp_path / "data").mkdir(exist_ok=True)
    table = pa.table({"id": pa.array([1], pa.int32()), "name": ["a"], "Email": [None]})
    pq.write_table(table, tmp_path / "data" / "v.parquet")
    types = source(tmp_path).column_types(entity("v.parquet"))
    assert types == {"id": FieldType.integer, "name": FieldType.string}  # a null column: none
    write(tmp_path, "v.csv", "id,name,Email\n1,a,b\n")
    assert source(tmp_path).column_types(entity("v.csv")) == {}
