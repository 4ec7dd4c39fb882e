"""Reconciliation rules compiled into checks the DuckDB engine runs as joins.

For an entity with a ``mirror:`` this yields two compiled entities:

* ``<entity>__reconcile`` over our rows: ``{entity}.reconcile.count`` (volume, table),
  ``{entity}.reconcile.missing_in_<system>`` and ``{entity}.reconcile.<field>`` (accuracy);
  all share one LEFT JOIN to the mirror, deduplicated on its key.
* ``<entity>__mirror`` over the other system's rows: ``{entity}.reconcile.missing_in_vms``,
  whose failure key is the other system's key.

The engine must see the mirror snapshot as view ``<entity>__mirror`` (their field names, see
``mirror_entity``) and our rows as views ``<entity>__reconcile`` and ``<entity>`` (field names).
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.model import BASE, Check, ColumnSpec, CompiledEntity, Relation
from vmsdq.checks.sql import SQL_TYPES, col, is_present, table
from vmsdq.core.words import Dimension, Severity, ViewRef, ViewRole
from vmsdq.reconcile.mapping import MappedField, filters, mapped_fields, mirror_of, tolerance
from vmsdq.reconcile.normalize import compare_value, normalize, picklist, text, typed_ours
from vmsdq.reconcile.salesforce_ids import join_key_sql
from vmsdq.spec.models import EntitySpec, FieldSpec

THEIRS = "theirs"  # alias of the joined mirror rows
OURS = "ours"  # alias of the joined VMS keys (missing_in_vms)
BINNED = "binned"  # alias of the mirror keys in the recycle bin (missing_in_vms)
KEY = "__key"
DELETED = "__deleted"  # the record is in the other system's recycle bin (Salesforce IsDeleted)
IS_DELETED = "IsDeleted"
ROWS, REPEATED = "__mirror_rows", "__repeated_keys"  # CTE names (the engine skips "__" tables)


def compile_reconciliation(entity: EntitySpec) -> list[CompiledEntity]:
    """The reconciliation checks of one mirrored entity (see the module docstring)."""
    return [_ours(entity), _theirs(entity)]


def mirror_entity(entity: EntitySpec) -> EntitySpec:
    """The mirror as an entity with the other system's field names (all text), for sources."""
    mirror = mirror_of(entity)
    names = [mirror.key] + [m.theirs for m in mapped_fields(entity)]
    return EntitySpec(
        entity=entity.entity,
        description=f"{mirror.system} {mirror.object} mirror of {entity.entity}",
        key=mirror.key,
        sources=entity.sources,
        fields={n: FieldSpec() for n in dict.fromkeys(names)},
    )


def _check(entity: EntitySpec, rule: str, kind: str, dimension: Dimension, **kw: object) -> Check:
    return Check(
        name=f"{entity.entity}.reconcile.{rule}",
        entity=entity.entity,
        kind=kind,
        dimension=dimension,
        severity=Severity.error if dimension is Dimension.accuracy else Severity.warning,
        weight=1.0,
        description=str(kw.pop("description")),
        **kw,  # type: ignore[arg-type]
    )


def _mirror_relation(entity: EntitySpec) -> Relation:
    """Their rows, one per key: the key, each mapped value raw and normalised.

    Keys that occur once (all of them, in Salesforce) pass straight through; only repeated
    keys go through an ANY_VALUE aggregate, so deduplicating costs one key-only GROUP BY.
    """
    mirror = mirror_of(entity)
    key = col(mirror.key, table=None)
    fields = mapped_fields(entity)
    rows = exp.select(
        exp.alias_(match_key(entity, text(key)), KEY, quoted=True),
        exp.alias_(_deleted(), DELETED, quoted=True),
        *[exp.alias_(text(col(m.theirs, table=None)), m.ours, quoted=True) for m in fields],
    ).from_(_mirror_rows(entity))
    rows = rows.where(exp.Not(this=exp.Is(this=key.copy(), expression=exp.null())))
    theirs_filter = filters(entity).theirs
    if theirs_filter is not None:
        rows = rows.where(theirs_filter.copy())
    repeated = (
        exp.select(col(KEY, table=None))
        .from_(table(ROWS))
        .group_by(col(KEY, table=None))
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
    )
    keys = exp.select(col(KEY, table=None)).from_(table(REPEATED))
    in_repeated = exp.In(this=col(KEY, table=None), query=keys.subquery())
    single = exp.select(exp.Star()).from_(table(ROWS)).where(exp.Not(this=in_repeated))
    merged = exp.select(
        col(KEY, table=None),
        exp.alias_(exp.func("BOOL_AND", col(DELETED, table=None)), DELETED, quoted=True),
        *[
            exp.alias_(exp.AnyValue(this=col(m.ours, table=None)), m.ours, quoted=True)
            for m in fields
        ],
    )
    merged = merged.from_(table(ROWS)).where(in_repeated.copy()).group_by(col(KEY, table=None))
    deduplicated = exp.union(single, merged, distinct=False)
    projections: list[exp.Expr] = [col(KEY, table=None), col(DELETED, table=None)]
    for m in fields:
        raw = col(m.ours, table=None)
        value = compare_value(normalize(picklist(raw.copy(), m.values), m.normalize), m.type)
        projections.append(exp.alias_(raw, f"{m.ours}__raw", quoted=True))
        projections.append(exp.alias_(value, f"{m.ours}__cmp", quoted=True))
    query = (
        exp.select(*projections)
        .from_(deduplicated.subquery("d"))
        .with_(ROWS, as_=rows)
        .with_(REPEATED, as_=repeated)
    )
    on = exp.EQ(
        this=match_key(entity, text(col(mirror.match_on))), expression=col(KEY, table=THEIRS)
    )
    return Relation(alias=THEIRS, query=query, on=on)


def match_key(entity: EntitySpec, value: exp.Expr) -> exp.Expr:
    """What both sides join on: Salesforce Ids in their 18-character case-safe form."""
    mirror = mirror_of(entity)
    if mirror.system == "salesforce" and mirror.key.lower() == "id":
        return join_key_sql(value)
    return value


def _mirror_rows(entity: EntitySpec) -> exp.Expr:
    """The mirror view with an ``IsDeleted`` column (NULL where the source has none)."""
    view = exp.select(exp.Star()).from_(table(_mirror(entity)))
    flag = exp.alias_(exp.cast(exp.null(), "BOOLEAN"), IS_DELETED, quoted=True)
    empty = exp.select(flag).where(exp.false())
    union = exp.Union(this=view, expression=empty, distinct=False, by_name=True)
    return exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("m")))


def _deleted() -> exp.Expr:
    """Whether a mirror row is in the recycle bin (``IsDeleted`` true); never NULL."""
    flag = exp.TryCast(this=col(IS_DELETED, table=None), to=exp.DataType.build("BOOLEAN"))
    return exp.func("COALESCE", flag, exp.false())


def _ours_applies(entity: EntitySpec) -> exp.Expr:
    mirror = mirror_of(entity)
    applies = is_present(col(mirror.match_on), text=True)
    ours_filter = filters(entity).ours
    if ours_filter is not None:
        applies = exp.and_(applies, _qualified(ours_filter, BASE))
    return applies


def _ours(entity: EntitySpec) -> CompiledEntity:
    mirror = mirror_of(entity)
    relation = _mirror_relation(entity)
    applies = _ours_applies(entity)
    absent = exp.Is(this=col(KEY, table=THEIRS), expression=exp.null())
    deleted = exp.func("COALESCE", col(DELETED, table=THEIRS), exp.false())
    matched: exp.Expr = exp.and_(exp.Not(this=absent.copy()), exp.Not(this=deleted.copy()))
    state = exp.Case(
        ifs=[exp.If(this=deleted.copy(), true=exp.Literal.string("deleted (in the recycle bin)"))],
        default=exp.Literal.string("absent"),
    )
    checks = [
        _count_check(entity),
        _check(
            entity,
            f"missing_in_{mirror.system}",
            "reconcile_missing",
            Dimension.accuracy,
            description=f"record is absent from {mirror.system} {mirror.object} (or deleted there)",
            fails=exp.or_(absent, deleted),
            applies=applies,
            values=(
                (mirror.match_on, text(col(mirror.match_on))),
                (f"{mirror.system}_record", state),
            ),
            relations=(relation,),
        ),
    ]
    ours_filter = filters(entity).ours
    if ours_filter is not None:
        matched = exp.and_(matched, _qualified(ours_filter, BASE))
    for m in mapped_fields(entity):
        checks.append(_field_check(entity, m, relation, matched.copy()))
    return CompiledEntity(
        name=ViewRef(entity.entity, ViewRole.reconcile).name,
        key=entity.one_key("reconciliation"),
        columns=tuple(
            ColumnSpec(name, name, SQL_TYPES[entity.fields[name].type])
            for name in _our_columns(entity)
        ),
        checks=tuple(checks),
        needs=(_mirror(entity),),
    )


def _field_check(
    entity: EntitySpec, m: MappedField, relation: Relation, applies: exp.Expr
) -> Check:
    mirror = mirror_of(entity)
    ours = typed_ours(col(m.ours), m.type, m.normalize)
    theirs = col(f"{m.ours}__cmp", table=THEIRS)
    system = mirror.system
    return _check(
        entity,
        m.ours,
        "reconcile_field",
        Dimension.accuracy,
        description=f"{m.ours} differs from {system} {mirror.object}.{m.theirs}",
        fails=exp.NullSafeNEQ(this=ours, expression=theirs),
        applies=applies,
        values=(
            (f"{system}_key", col(KEY, table=THEIRS)),
            ("vms_value", text(col(m.ours))),
            (f"{system}_value", col(f"{m.ours}__raw", table=THEIRS)),
        ),
        relations=(relation,),
    )


def _count_check(entity: EntitySpec) -> Check:
    """|ours - theirs| / theirs after filters; fails above the tolerance."""
    mirror = mirror_of(entity)
    limit = tolerance(entity)
    f = filters(entity)
    ours = exp.func("COUNT_IF", _qualified(f.ours, BASE) if f.ours is not None else exp.true())
    theirs_q = exp.select(exp.func("COUNT", exp.Star())).from_(_mirror_rows(entity))
    theirs_q = theirs_q.where(exp.Not(this=_deleted()))
    if f.theirs is not None:
        theirs_q = theirs_q.where(f.theirs.copy())
    theirs = exp.Subquery(this=theirs_q)
    diff = exp.Abs(this=exp.Sub(this=ours, expression=theirs.copy()))
    denominator = exp.func("GREATEST", theirs, exp.Literal.number(1))
    metric = exp.Div(this=exp.cast(diff, "DOUBLE"), expression=denominator)
    return _check(
        entity,
        "count",
        "reconcile_count",
        Dimension.volume,
        description=(
            f"record count differs from {mirror.system} {mirror.object} by more than {limit:.0%}"
        ),
        scope="table",
        metric=metric,
        fails=exp.GT(this=exp.column("metric"), expression=exp.Literal.number(limit)),
    )


def _theirs(entity: EntitySpec) -> CompiledEntity:
    """Their rows whose key no row of ours holds (in ``match_on``)."""
    mirror = mirror_of(entity)
    f = filters(entity)
    ours_key = match_key(entity, text(col(mirror.match_on, table=None)))
    ours_keys = exp.select(exp.alias_(ours_key, KEY, quoted=True))
    ours_keys = ours_keys.from_(table(entity.entity)).distinct()
    ours_keys = ours_keys.where(
        exp.Not(this=exp.Is(this=col(mirror.match_on, table=None), expression=exp.null()))
    )
    if f.ours is not None:
        ours_keys = ours_keys.where(f.ours.copy())
    relation = Relation(
        alias=OURS,
        query=ours_keys,
        on=exp.EQ(this=match_key(entity, text(col(mirror.key))), expression=col(KEY, table=OURS)),
    )
    deleted_keys = (  # the mirror's own rows: joined on the key as stored
        exp.select(exp.alias_(text(col(mirror.key, table=None)), KEY, quoted=True))
        .from_(_mirror_rows(entity))
        .where(_deleted())
        .distinct()
    )
    binned = Relation(
        alias=BINNED,
        query=deleted_keys,
        on=exp.EQ(this=text(col(mirror.key)), expression=col(KEY, table=BINNED)),
    )
    applies = exp.and_(
        is_present(col(mirror.key), text=True),
        exp.Is(this=col(KEY, table=BINNED), expression=exp.null()),
    )
    if f.theirs is not None:
        applies = exp.and_(applies, _qualified(f.theirs, BASE))
    check = _check(
        entity,
        "missing_in_vms",
        "reconcile_missing",
        Dimension.accuracy,
        description=f"{mirror.system} {mirror.object} record is absent from the VMS",
        fails=exp.Is(this=col(KEY, table=OURS), expression=exp.null()),
        applies=applies,
        values=((mirror.key, text(col(mirror.key))),),
        relations=(relation, binned),
    )
    columns = [mirror.key] + [m.theirs for m in mapped_fields(entity)]
    return CompiledEntity(
        name=_mirror(entity),
        key=mirror.key,
        columns=tuple(ColumnSpec(c, c, "VARCHAR") for c in dict.fromkeys(columns)),
        checks=(check,),
        needs=(entity.entity,),
    )


def _our_columns(entity: EntitySpec) -> list[str]:
    """Only what reconciliation reads: key, match_on, mapped fields, filter columns."""
    mirror = mirror_of(entity)
    names = [entity.one_key("reconciliation"), mirror.match_on]
    names += [m.ours for m in mapped_fields(entity)]
    ours = filters(entity).ours
    if ours is not None:
        names += [c.name for c in ours.find_all(exp.Column)]
    return list(dict.fromkeys(names))


def _qualified(expression: exp.Expr, alias: str) -> exp.Expr:
    def qualify(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            return col(node.name, table=alias)
        return node

    return expression.copy().transform(qualify)


def _mirror(entity: EntitySpec) -> str:
    """The engine's view of the entity's rows in the other system."""
    return ViewRef(entity.entity, ViewRole.mirror).name
