"""The expression sandbox: user-written SQL conditions are untrusted.

``parse_expression`` parses a boolean SQL expression (a rule's ``check``/``when``, a ``where``
filter) with SQLGlot's DuckDB dialect and accepts only an allow-list of node types: column
names, literals, operators, CASE, CAST to scalar types and scalar functions. Anything else
(subqueries, table functions, statements, aggregates, ``*``, parameters...) raises
``SandboxError`` naming the rule, where it was declared and what was refused.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection, Iterator, Set
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import TokenType
from sqlglot.tokens import Tokenizer

from vmsdq.core.errors import ConfigError, Location, SandboxError
from vmsdq.spec import sandbox_shapes as shapes

MAX_LENGTH = 10_000
MAX_DEPTH = 40  # nested operators, functions and parentheses (AND/OR chains count once)
LISTED_COLUMNS = 30  # an unknown column's message lists the known ones up to this many
CACHED_TREES = 65_536  # verdicts kept, and trees a load parsed waiting for the compile

# Scalar functions a rule may call: the names users write, and the SQLGlot classes DuckDB's
# parser turns them into (``_ANONYMOUS`` are names SQLGlot keeps as ``exp.Anonymous``).
ALLOWED_FUNCTIONS = (
    "abs", "ceil", "coalesce", "concat", "concat_ws", "contains", "current_date",
    "current_timestamp", "date_diff", "date_part", "date_trunc", "datediff", "day",
    "dayofmonth", "dayofweek", "ends_with", "epoch", "extract", "floor", "greatest", "hour",
    "if", "ifnull", "isodow", "last_day", "least", "left", "length", "lower", "ltrim",
    "make_date", "minute", "month", "now", "nullif", "quarter", "regexp_extract",
    "regexp_full_match", "regexp_matches", "regexp_replace", "replace", "right", "round",
    "rtrim", "second", "sign", "starts_with", "strftime", "strpos", "strptime", "substr",
    "substring", "today", "trim", "upper", "week", "year",
)  # fmt: skip
_ANONYMOUS = {"date_part", "datepart", "now"}
_FUNCTIONS = (
    exp.Lower, exp.Upper, exp.Trim, exp.Length, exp.Coalesce, exp.Nullif, exp.Abs, exp.Round,
    exp.Floor, exp.Ceil, exp.Greatest, exp.Least, exp.Sign, exp.Concat, exp.ConcatWs,
    exp.Substring, exp.Left, exp.Right, exp.StrPosition, exp.StartsWith, exp.EndsWith,
    exp.Contains, exp.Replace, exp.RegexpLike, exp.RegexpFullMatch, exp.RegexpReplace,
    exp.RegexpExtract, exp.DateDiff, exp.Extract, exp.DateTrunc, exp.TimestampTrunc,
    exp.CurrentDate, exp.CurrentTimestamp, exp.Year, exp.Quarter, exp.Month, exp.Week, exp.Day,
    exp.DayOfMonth, exp.DayOfWeek, exp.DayOfWeekIso, exp.Hour, exp.Minute, exp.Second,
    exp.LastDay, exp.TimeToUnix, exp.TimeToStr, exp.StrToTime, exp.DateFromParts, exp.If,
)  # fmt: skip

_NODES = (
    exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Neg, exp.Not, exp.And, exp.Or,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Is, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Pow, exp.DPipe,
    exp.Like, exp.ILike, exp.Escape, exp.Between, exp.Case, exp.Cast, exp.TryCast,
    exp.Interval, exp.DataTypeParam,
)  # fmt: skip
_DATE_PARTS = {
    "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond",
    "microsecond", "dow", "doy", "isodow", "epoch", "decade", "century", "millennium",
}  # fmt: skip
_T = exp.DataType.Type
_SCALAR_TYPES = {
    _T.BOOLEAN, _T.TINYINT, _T.SMALLINT, _T.INT, _T.BIGINT, _T.INT128, _T.UTINYINT,
    _T.USMALLINT, _T.UINT, _T.UBIGINT, _T.UINT128, _T.FLOAT, _T.DOUBLE, _T.DECIMAL, _T.CHAR,
    _T.VARCHAR, _T.TEXT, _T.DATE, _T.TIME, _T.TIMESTAMP, _T.TIMESTAMPTZ, _T.INTERVAL, _T.UUID,
}  # fmt: skip
_STATEMENTS = (
    exp.DDL, exp.DML, exp.Drop, exp.Alter, exp.Command, exp.Pragma, exp.Set, exp.Attach,
    exp.Detach, exp.Copy, exp.Install, exp.Use, exp.Describe, exp.Transaction, exp.Commit,
    exp.Rollback, exp.Select, exp.SetOperation,
)  # fmt: skip
_TABLE_FUNCTION_NAMES = {"glob", "query", "query_table", "range", "generate_series", "unnest"}

_Refuse = Callable[[str], ConfigError]


def parse_expression(
    sql: str,
    *,
    rule: str,
    location: Location | None = None,
    columns: Collection[str] | None = None,
    boolean_columns: Collection[str] | None = None,
) -> exp.Expression:
    """Parse a user-written boolean SQL expression and check it against the allow-list.

    Args:
        sql: the expression as written, e.g. ``"end_date >= start_date"``.
        rule: the rule's full name, used in error messages.
        location: where the expression was declared (``file:line:column``).
        columns: when given, the only column names the expression may use.
        boolean_columns: when given, the columns that may stand alone as the condition.

    Returns:
        A SQLGlot tree of the caller's own (DuckDB dialect, comments removed) safe to embed
        in a query: the tree a load checked, handed over once, else a new parse.

    Raises:
        SandboxError: the expression does not parse or uses something not allowed.
    """
    _checked(sql, rule, location, columns, boolean_columns)
    tree = _UNCLAIMED.pop(sql, None)  # atomic: one caller gets it, the others parse again
    if tree is not None:
        return tree
    fresh = _parsed(sql)
    if isinstance(fresh, str):  # cannot happen: the verdict said allowed
        raise SandboxError(f"rule '{rule}': {fresh}", location)
    return fresh


def check_expression(
    sql: str,
    *,
    rule: str,
    location: Location | None = None,
    columns: Collection[str] | None = None,
    boolean_columns: Collection[str] | None = None,
) -> None:
    """``parse_expression`` for a caller that only needs the verdict (no tree handed out)."""
    _checked(sql, rule, location, columns, boolean_columns)


def _checked(
    sql: str,
    rule: str,
    location: Location | None,
    columns: Collection[str] | None,
    boolean_columns: Collection[str] | None,
) -> None:
    """Raise the SandboxError of ``sql`` for these columns, if any."""

    def refuse(reason: str) -> SandboxError:
        shown = sql if len(sql) <= 200 else sql[:200] + "..."
        return SandboxError(f"rule '{rule}': {reason} (in expression {shown!r})", location)

    verdict = _verdict(sql)
    if verdict.refusal is not None:
        raise refuse(verdict.refusal)
    if columns is not None:
        known = columns if isinstance(columns, Set) else set(columns)
        for name in verdict.columns:
            if name not in known:
                raise refuse(f"unknown column '{name}' ({_known_columns(name, known)})")
    if verdict.depth > MAX_DEPTH:
        raise refuse(
            f"the expression nests {verdict.depth} levels deep; the engine takes {MAX_DEPTH}"
        )
    kind = _kind(verdict.gives, boolean_columns)
    if kind:
        tree = _parsed(sql)
        shown = tree if isinstance(tree, str) else tree.sql("duckdb")
        raise refuse(
            f"the expression is not a condition: it gives {kind}, not true or false, so the "
            "rule could never fail; compare it with something, e.g. "
            f"'{shown} > 0'"
        )


class _Refused(SandboxError):
    """A refusal without a rule or location: ``_parsed`` keeps only its reason."""


@dataclass(frozen=True)
class _Column:
    """A column standing as the condition: a condition only when it is a boolean field."""

    name: str


@dataclass(frozen=True)
class _Verdict:
    """What the checks of one expression text need, worked out once per text."""

    refusal: str | None = None  # why the allow-list refuses it
    columns: tuple[str, ...] = ()  # the column names it reads, in order
    depth: int = 0
    gives: tuple[str | _Column, ...] = ()  # what its result may be when not true/false


@lru_cache(maxsize=CACHED_TREES)
def _verdict(sql: str) -> _Verdict:
    """The verdict on ``sql``; its allowed tree waits in ``_UNCLAIMED`` for the compile.

    A project's load checks every expression and its compile parses them again; both get
    the same answer, so the parse is done once per distinct text and the compile takes the
    tree the load parsed (no copy).
    """
    parsed = _parse(sql)
    if isinstance(parsed, str):
        return _Verdict(refusal=parsed)
    tree, columns, depth = parsed
    verdict = _Verdict(None, columns, depth, tuple(_gives(tree)))
    if len(_UNCLAIMED) >= CACHED_TREES:
        _UNCLAIMED.pop(next(iter(_UNCLAIMED)), None)
    _UNCLAIMED[sql] = tree
    return verdict


_UNCLAIMED: dict[str, exp.Expression] = {}  # allowed trees no caller holds yet


def _parsed(sql: str) -> exp.Expression | str:
    """A new allow-listed tree of ``sql``, or why not."""
    parsed = _parse(sql)
    return parsed if isinstance(parsed, str) else parsed[0]


def _parse(sql: str) -> tuple[exp.Expression, tuple[str, ...], int] | str:
    """A new allow-listed tree of ``sql``, the columns it reads and its depth; or why not.

    A text of a shape allowed before is a copy of that tree with its names put in
    (``sandbox_shapes``): no parse."""
    found = shapes.holes(sql, _SHAPE_WORDS) if 0 < len(sql) <= MAX_LENGTH else None
    if found is not None:
        again = shapes.reuse(found)
        if again is not None:
            return again
    try:
        tree = parse_one(sql, _Refused)
        columns, depth = _walk(tree)
    except _Refused as e:
        return e.message
    if found is not None:
        shapes.keep(found, tree, columns, depth)
    return tree, columns, depth


_SHAPE_WORDS = frozenset({*_DATE_PARTS, *(f"{part}s" for part in _DATE_PARTS), *_ANONYMOUS})
_POSITIONS = ("line", "col", "start", "end")  # what the parser notes in a node's meta
_POSITION_KEYS = frozenset(_POSITIONS)


def _walk(tree: exp.Expression) -> tuple[tuple[str, ...], int]:
    """``allowed_tree`` (nodes in the same order) that also finds the column names and the
    nesting depth (a chain of the same AND or OR counts as one level) in the same pass, and
    drops the parse positions, so that copies of the tree are cheap."""
    names: dict[str, None] = {}
    deepest = 0
    queue = deque([(tree, 1)])
    while queue:
        node, depth = queue.popleft()
        reason = None if type(node) in _PLAIN else _refusal(node)
        if reason:
            raise _Refused(reason)
        node.comments = None
        meta = node._meta  # not ``node.meta``: that creates one where there is none
        if meta is not None:
            if meta.keys() == _POSITION_KEYS:
                node._meta = None
            else:
                for key in _POSITIONS:
                    meta.pop(key, None)
        if isinstance(node, exp.Column):
            names[node.name] = None
        if depth > deepest:
            deepest = depth
        kind = type(node)
        for child in node.iter_expressions():
            chained = type(child) is kind and isinstance(child, exp.Connector)
            queue.append((child, depth if chained or isinstance(child, _LEAVES) else depth + 1))
    return tuple(names), deepest


_LEAVES = (exp.Identifier, exp.DataType)  # do not add a level of nesting


_CONDITIONS = (
    exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.StartsWith, exp.EndsWith,
    exp.Contains, exp.RegexpFullMatch, exp.RegexpLike,
)  # fmt: skip


def _gives(node: exp.Expr) -> Iterator[str | _Column]:
    """What ``node`` may give that is not true/false ("a number", "text", a column whose
    field decides), first to last; nothing when it is a condition."""
    if isinstance(node, exp.Paren):
        yield from _gives(node.this)
    elif isinstance(node, _CONDITIONS):
        return
    elif isinstance(node, exp.Cast | exp.TryCast):
        if node.to.this is not _T.BOOLEAN:
            yield f"a {node.to.sql('duckdb')} value"
    elif isinstance(node, exp.Case | exp.If | exp.Coalesce):
        branches = [node.args.get("default"), node.args.get("false"), node.args.get("true")]
        branches += [i.args.get("true") for i in node.args.get("ifs") or []]
        branches += [node.this] if isinstance(node, exp.Coalesce) else []
        branches += node.expressions if isinstance(node, exp.Coalesce) else []
        for branch in branches:
            if branch is not None and not isinstance(branch, exp.Null):
                yield from _gives(branch)
    elif isinstance(node, exp.Column):
        yield _Column(node.name)
    else:
        yield _value_kind(node)


def _value_kind(node: exp.Expr) -> str:
    if isinstance(node, exp.Literal):
        return "text" if node.is_string else "a number"
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod | exp.Neg | exp.IntDiv):
        return "a number"
    if isinstance(node, exp.DPipe | exp.Concat | exp.ConcatWs | exp.Lower | exp.Upper):
        return "text"
    if isinstance(node, exp.Null):
        return "NULL"
    return "a value"


def _kind(gives: tuple[str | _Column, ...], boolean_columns: Collection[str] | None) -> str | None:
    """What the expression gives when it is not true/false, else None."""
    for item in gives:
        if not isinstance(item, _Column):
            return item
        if boolean_columns is not None and item.name not in boolean_columns:
            return f"the value of '{item.name}', which is not a boolean field"
    return None


def allowed_tree(
    tree: exp.Expression, refusal: Callable[[exp.Expr], str | None], refuse: _Refuse
) -> exp.Expression:
    """``tree`` with comments removed, once ``refusal`` allowed every node of it."""
    for node in tree.walk():
        reason = refusal(node)
        if reason:
            raise refuse(reason)
        node.comments = None
    return tree


def parse_one(
    sql: str, refuse: _Refuse, dialect: str = "duckdb", *, query: bool = False
) -> exp.Expression:
    """Exactly one expression (``query``: one SELECT), no ``;``, no other statement."""
    if not sql or not sql.strip():
        raise refuse("the expression is empty")
    if len(sql) > MAX_LENGTH:
        raise refuse(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tokenizer, parser = _reader(dialect)
        tokens = tokenizer.tokenize(sql)
        if ";" in sql and any(t.token_type == TokenType.SEMICOLON for t in tokens):
            raise refuse("';' is not allowed: write one expression, not statements")
        trees = parser.parse(tokens, sql)  # the tokens once, not again in parse
    except ParseError as e:
        first = e.errors[0] if e.errors else {}
        where = f" at column {first['col']}" if first.get("col") else ""
        what = str(first.get("description", e))
        what = "the expression is incomplete" if what.startswith("Required keyword") else what
        raise refuse(f"cannot parse{where}: {what}") from None
    except RecursionError:
        raise refuse(
            f"the expression nests too deeply (the engine takes {MAX_DEPTH} levels)"
        ) from None
    except (SqlglotError, ValueError, TypeError, KeyError, IndexError) as e:
        raise refuse(
            f"cannot parse: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None
    tree = trees[0] if len(trees) == 1 else None
    if isinstance(tree, _STATEMENTS) and not (query and isinstance(tree, exp.Query)):
        raise refuse(
            f"statements ({tree.key.upper()}) are not allowed: write one boolean expression"
        )
    if not isinstance(tree, exp.Expression):
        raise refuse("write exactly one expression")
    if query and not isinstance(tree, exp.Query):
        raise refuse("write one SELECT")
    return tree


_SPECIAL = (exp.Column, exp.Identifier, exp.Var, exp.In, exp.DataType)  # see _refusal
# node types _refusal allows whatever they hold (the checks of _SPECIAL do not apply to them)
_PLAIN = frozenset(t for t in (*_NODES, *_FUNCTIONS) if not issubclass(t, _SPECIAL))
_READERS = threading.local()  # per thread: a tokenizer and a parser per dialect


def _reader(dialect: str) -> tuple[Tokenizer, Parser]:
    """This thread's tokenizer and parser of ``dialect`` (each resets itself per text)."""
    readers: dict[str, tuple[Tokenizer, Parser]] | None = getattr(_READERS, "by_dialect", None)
    if readers is None:
        readers = _READERS.by_dialect = {}
    found = readers.get(dialect)
    if found is None:
        reader = sqlglot.Dialect.get_or_raise(dialect)
        found = readers[dialect] = (reader.tokenizer(), reader.parser())
    return found


def refusal(node: exp.Expr) -> str | None:
    """Why ``node`` is not allowed in a row expression, or None when it is."""
    return _refusal(node)


def _refusal(node: exp.Expr) -> str | None:
    """Why ``node`` is not allowed, or None when it is."""
    if isinstance(node, exp.Column):
        return _column_refusal(node)
    if isinstance(node, exp.Identifier):
        return None if isinstance(node.parent, exp.Column) else _not_allowed(node)
    if isinstance(node, exp.Var):
        ok = node.name.lower().rstrip("s") in _DATE_PARTS or node.name.lower() in _DATE_PARTS
        return (
            None if ok and isinstance(node.parent, (exp.Interval, exp.Func)) else _not_allowed(node)
        )
    if isinstance(node, exp.In):
        if node.args.get("query"):
            return "subqueries are not allowed"
        bad = node.args.get("unnest") or node.args.get("field")
        return "IN takes a list of values, e.g. status IN ('a', 'b')" if bad else None
    if isinstance(node, exp.DataType):
        return _type_refusal(node)
    if isinstance(node, _NODES) or type(node) in _FUNCTIONS:
        return None
    if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS:
        return None
    return kind_refusal(node)


def _column_refusal(node: exp.Column) -> str | None:
    if isinstance(node.this, exp.Star):
        return "'*' is not allowed: name the columns"
    if node.table:
        return (
            f"qualified column reference '{node.sql('duckdb')}' is not allowed: "
            f"write the column name alone ('{node.name}')"
        )
    return None


def _type_refusal(node: exp.DataType) -> str | None:
    if node.this in _SCALAR_TYPES and isinstance(node.parent, exp.Cast):
        return None
    return f"cast to '{node.sql('duckdb')}' is not allowed: cast to a scalar type"


def kind_refusal(node: exp.Expr) -> str:
    """Why a node outside every allow-list is refused (subquery, table function...)."""
    if isinstance(node, (exp.Query, exp.Exists, exp.Any, exp.All)):
        return "subqueries are not allowed"
    if isinstance(node, _STATEMENTS):
        return f"statements ({node.key.upper()}) are not allowed: write one boolean expression"
    if isinstance(node, (exp.Window, exp.WithinGroup, exp.Filter)):
        return "window functions are not allowed"
    if isinstance(node, exp.AggFunc):
        return (
            f"aggregate function {node.sql_name()} is not allowed: expressions are evaluated "
            "row by row (use an 'aggregate' rule to compare with related rows)"
        )
    if isinstance(node, (exp.Placeholder, exp.Parameter, exp.SessionParameter)):
        return f"parameters and placeholders ('{node.sql('duckdb')}') are not allowed"
    if isinstance(node, (exp.Star, exp.Columns)):
        return "'*' is not allowed: name the columns"
    if isinstance(node, exp.Dot):
        return f"qualified reference '{node.sql('duckdb')}' is not allowed"
    if isinstance(node, exp.Func):
        name = _function_name(node)
        if _is_table_function(node, name):
            return (
                f"table function '{name}' is not allowed: expressions cannot read files or tables"
            )
        return (
            f"function '{name}' is not allowed (allowed functions: {', '.join(ALLOWED_FUNCTIONS)})"
        )
    return _not_allowed(node)


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    written = node.sql("duckdb").split("(")[0].strip()
    return (written if written.replace("_", "").isalnum() else node.sql_name()).lower()


def _is_table_function(node: exp.Expr, name: str) -> bool:
    return (
        isinstance(node, (exp.ReadCSV, exp.ReadParquet, exp.Unnest, exp.UDTF))
        or name.startswith(("read_", "parquet_", "sniff_", "duckdb_", "pragma_"))
        or name.endswith("_scan")
        or name in _TABLE_FUNCTION_NAMES
    )


def _not_allowed(node: exp.Expr) -> str:
    return (
        f"'{node.sql('duckdb')}' is not allowed: use column names, literals, operators, "
        "CASE, CAST and scalar functions"
    )


def _known_columns(name: str, known: Collection[str]) -> str:
    """The known columns, all of them up to ``LISTED_COLUMNS``; beyond, the closest names."""
    if len(known) <= LISTED_COLUMNS:
        return f"known columns: {', '.join(sorted(known))}"
    import difflib

    close = difflib.get_close_matches(name, list(known), n=5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return f"{hint}the entity has {len(known):,} columns"
