"""Incremental row checks: re-evaluate only the rows a change can affect, keep the others.

A state folder holds what the last run of an entity left: its flags table, a signature per
key (the hash of the key's rows) and the result of every relation its checks join. The next
run with the same row checks:

1. signs the new rows per key; keys whose signature differs (changed, new, deleted) are
   affected;
2. builds every relation in full and compares it with the stored one: each base row joining
   a relation row that appeared or disappeared is affected (a duplicate that arrived, a
   reference target that went, an aggregate that moved), whatever changed to cause it;
3. evaluates the affected rows only, against the new relations, and takes every other row's
   flags from the stored table.

A row's flags depend only on its own values and the relation rows it joins, so the result is
the full run's. Row checks that differ from the stored ones (a rule changed) run in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from vmsdq.checks.model import BASE, Check, CompiledEntity, Relation
from vmsdq.checks.sql import col, table
from vmsdq.core import sealed_files
from vmsdq.engine.keys import key_columns, row_key, view_key
from vmsdq.engine.plan import (
    FLAGS,
    KEY,
    RowPlan,
    base_select,
    create_flags,
    duckdb_sql,
    flags_select,
    relations,
)

CURRENT = "current"  # names the folder of the state in force
META = "state.json"
FLAGS_FILE = "flags.parquet"
SIGNS_FILE = "signs.parquet"
SIGNS, AFFECTED, OLD = "__signs", "__affected", "__old"
VERSION = 1  # of the state's layout
_VOLATILE = (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.CurrentDatetime,
             exp.Rand, exp.Placeholder)  # fmt: skip
_VOLATILE_NAMES = {"NOW", "TODAY", "RANDOM", "UUID", "GEN_RANDOM_UUID", "GET_CURRENT_TIME"}


@dataclass
class Incremental:
    """How the row checks of one entity ran: ``affected`` keys evaluated out of ``rows``
    (``full``: every row, no usable state); ``digest`` of the row checks, for the state."""

    full: bool
    digest: str
    rows: int = 0
    affected: int = 0


def materialise_relations(
    con: duckdb.DuckDBPyConnection, checks: Sequence[Check]
) -> dict[str, str]:
    """Build each relation the checks join as a temp table; alias -> table."""
    built: dict[str, str] = {}
    for i, relation in enumerate(relations(checks)):
        name = f"__rel{i}"
        statement = exp.Create(
            this=exp.to_table(name),
            kind="TABLE",
            expression=relation.query.copy(),
            replace=True,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        con.execute(duckdb_sql(statement))
        built[relation.alias] = name
    return built


def digest_of(entity: CompiledEntity, plan: RowPlan) -> str:
    """What the stored flags were computed by: the flags query over the entity's view."""
    text = flags_select(plan, entity, entity.name).sql(dialect="duckdb", copy=False)
    return hashlib.sha256(f"{VERSION}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """One state as the last run left it: its folder and relation files by alias."""

    folder: Path
    relations: dict[str, str]


def usable(entity_dir: Path, digest: str) -> Stored | None:
    """The current state when the same row checks (``digest_of``) left it, else None.

    Each save writes a new folder and then points ``current`` at it, so a run reading the
    state while another saves one reads one whole state (or, its files gone, errors and
    runs in full).
    """
    try:
        folder = entity_dir / (entity_dir / CURRENT).read_text().strip()
        stored = json.loads((folder / META).read_text())
    except (OSError, ValueError):
        return None
    if stored.get("digest") != digest:
        return None
    files: dict[str, str] = stored.get("relations", {})
    needed = [folder / FLAGS_FILE, folder / SIGNS_FILE, *(folder / f for f in files.values())]
    return Stored(folder, files) if all(p.is_file() for p in needed) else None


def time_dependent(checks: Sequence[Check]) -> bool:
    """Whether a row check reads the clock or chance (its flags change with no data change)."""
    for check in checks:
        nodes = [check.fails, check.applies, *(v for _, v in check.values)]
        nodes += [part for r in check.relations for part in (r.query, r.on)]
        for node in nodes:
            if node is not None and node.find(*_VOLATILE) is not None:
                return True
            if node is not None and any(
                f.name.upper() in _VOLATILE_NAMES for f in node.find_all(exp.Anonymous)
            ):
                return True
    return False


def sign(con: duckdb.DuckDBPyConnection, entity: CompiledEntity) -> None:
    """``__signs``: per key (``keys.view_key``, the flags table's) the count and the sum
    (mod 2^64) of its rows' hashes."""
    row_hash = exp.func("HASH", *[col(c.name, None) for c in entity.columns], copy=False)
    total = exp.Sum(this=exp.cast(row_hash, "HUGEINT"))  # order-free, duplicates counted
    folded = exp.Cast(
        this=exp.Mod(this=total, expression=exp.Literal.number(2**64)),
        to=exp.DataType.build("UBIGINT", dialect="duckdb"),
    )
    select = (
        exp.select(
            exp.alias_(view_key(entity), KEY, quoted=True),
            exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True),
            exp.alias_(folded, "s", quoted=True),
        )
        .from_(table(entity.name))
        .group_by(exp.Literal.number(1))
    )
    _temp(con, SIGNS, select)


def run_affected(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    plan: RowPlan,
    stored: Stored,
    digest: str,
) -> Incremental:
    """Build ``__flags`` from the stored flags and the affected rows evaluated again."""
    folder = stored.folder
    built = materialise_relations(con, plan.checks)
    sign(con, entity)
    affected = _changed_keys(con, folder)
    for relation in relations(plan.checks):
        old = _parquet(con, folder / stored.relations[relation.alias])
        affected.append(_joining(entity, plan, relation, built[relation.alias], old))
    parts = [exp.select(col(KEY, None)).from_(q.subquery(f"p{i}")) for i, q in enumerate(affected)]
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=True, copy=False)
    _temp(con, AFFECTED, union)
    in_affected = _in_affected(view_key(entity))
    fresh = flags_select(plan, entity, entity.name, rows_where=in_affected, materialised=built)
    kept = (
        exp.select("*")
        .from_(_parquet(con, folder / FLAGS_FILE).as_(OLD))
        .where(exp.Not(this=_in_affected(col(KEY, OLD))))
    )
    con.execute(duckdb_sql(create_flags(exp.union(kept, fresh, distinct=False, copy=False))))
    counted = con.execute(f'SELECT (SELECT count(*) FROM "{AFFECTED}"), count(*) FROM "{FLAGS}"')
    row = counted.fetchone()
    assert row is not None
    return Incremental(full=False, digest=digest, rows=int(row[1]), affected=int(row[0]))


def run_full(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, plan: RowPlan, digest: str
) -> Incremental:
    """Build ``__flags`` for every row, from relations kept as tables for the state."""
    built = materialise_relations(con, plan.checks)
    sign(con, entity)
    statement = create_flags(flags_select(plan, entity, entity.name, materialised=built))
    con.execute(duckdb_sql(statement))
    return Incremental(full=True, digest=digest)


def save(con: duckdb.DuckDBPyConnection, plan: RowPlan, entity_dir: Path, digest: str) -> None:
    """Keep this run's flags, signatures and relations for the next run, then drop the
    states before it."""
    name = secrets.token_hex(6)
    scratch = entity_dir / name
    scratch.mkdir(parents=True)
    _copy(con, FLAGS, scratch / FLAGS_FILE)
    _copy(con, SIGNS, scratch / SIGNS_FILE)
    files = {}
    for i, relation in enumerate(relations(plan.checks)):
        files[relation.alias] = f"relation{i}.parquet"
        _copy(con, f"__rel{i}", scratch / files[relation.alias])
    meta = {"digest": digest, "relations": files}
    (scratch / META).write_text(json.dumps(meta))
    pointer = entity_dir / f".{CURRENT}.{name}"
    pointer.write_text(name)
    os.replace(pointer, entity_dir / CURRENT)
    for other in entity_dir.iterdir():
        if other.is_dir() and other.name != name:
            shutil.rmtree(other, ignore_errors=True)


def drop(con: duckdb.DuckDBPyConnection, plan: RowPlan) -> None:
    """Drop the temp tables of this module."""
    names = [SIGNS, AFFECTED] + [f"__rel{i}" for i in range(len(relations(plan.checks)))]
    for name in names:
        drop = exp.Drop(tables=[exp.to_table(name)], kind="TABLE", exists=True)
        con.execute(drop.sql("duckdb"))


def _changed_keys(con: duckdb.DuckDBPyConnection, folder: Path) -> list[exp.Query]:
    """Keys whose rows differ from the stored ones: changed, new or deleted."""
    old = _parquet(con, folder / SIGNS_FILE).as_("o")
    joined = (
        exp.select(
            exp.alias_(
                exp.func("COALESCE", col(KEY, "n"), col(KEY, "o"), copy=False), KEY, quoted=True
            )
        )
        .from_(table(SIGNS).as_("n"))
        .join(
            old,
            on=exp.NullSafeEQ(this=col(KEY, "n"), expression=col(KEY, "o")),
            join_type="FULL",
        )
        .where(
            exp.or_(
                exp.NullSafeNEQ(this=col("n", "n"), expression=col("n", "o")),
                exp.NullSafeNEQ(this=col("s", "n"), expression=col("s", "o")),
            )
        )
    )
    return [joined]


def _joining(
    entity: CompiledEntity, plan: RowPlan, relation: Relation, new: str, old: exp.Expr
) -> exp.Query:
    """Keys of base rows joining a relation row that is in one of old and new only."""
    new_rows = exp.select("*").from_(table(new))
    old_rows = exp.select("*").from_(old)
    added = exp.except_(new_rows, old_rows.copy(), distinct=False).subquery("added")
    removed = exp.except_(old_rows, new_rows.copy(), distinct=False).subquery("removed")
    changed = exp.union(
        exp.select("*").from_(added), exp.select("*").from_(removed), distinct=False
    )
    needed = key_columns(entity)
    needed |= {c.name for c in relation.on.find_all(exp.Column) if c.table == BASE}
    base = base_select(entity, entity.name, needed)
    return (
        exp.select(exp.alias_(row_key(entity), KEY, quoted=True))
        .from_(exp.to_table(BASE))
        .join(exp.paren(changed).as_(relation.alias, quoted=True), on=relation.on.copy())
        .with_(BASE, as_=base)
    )


def _in_affected(key: exp.Expr) -> exp.Expr:
    """``key`` is one of the affected keys (NULL keys included)."""
    match = exp.NullSafeEQ(this=col(KEY, "a"), expression=key)
    probe = exp.select(exp.Literal.number(1)).from_(table(AFFECTED).as_("a")).where(match)
    return exp.Exists(this=probe)


def _parquet(con: duckdb.DuckDBPyConnection, path: Path) -> exp.Table:
    """A stored state file as a table of the query (a view over it when encrypted)."""
    if not sealed_files.is_encrypted(path):
        return exp.Table(this=exp.func("read_parquet", exp.Literal.string(str(path)), copy=False))
    name = f"__stored_{path.stem}"
    sealed_files.register(con, name, [path])
    return exp.to_table(name)


def _temp(con: duckdb.DuckDBPyConnection, name: str, query: exp.Query) -> None:
    statement = exp.Create(
        this=exp.to_table(name),
        kind="TABLE",
        expression=query,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    con.execute(statement.sql(dialect="duckdb", copy=False))


def _copy(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    sealed_files.write_relation(con.table(name), path, compression="zstd")
