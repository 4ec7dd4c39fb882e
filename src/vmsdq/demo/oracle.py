"""Ground truth in plain Python: which rows each rule fails, from docs/rules.md.

Works on the final rows (what a correct reader sees), one small evaluator per rule kind, plus
the hand-written predicates in ``predicates.py`` for SQL expressions. It never runs SQL.
Meant for demo sizes up to a few hundred thousand rows.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from vmsdq.core.words import FieldType
from vmsdq.demo.predicates import FAILS, FILTERS
from vmsdq.demo.rules import TruthRule
from vmsdq.spec.models import EntitySpec, SchemaSpec

TABLE_KEY = ""
EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
PHONE_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
PHONE_NANP = re.compile(
    r"(\+?1[ .-]?)?(\([2-9][0-9]{2}\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}"
)
URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+([/?#][^\s]*)?")
POSTAL = re.compile(r"[0-9]{5}(-[0-9]{4})?")
SFID = re.compile(r"[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?")
SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


class NoPythonMeaning(KeyError):
    """A rule whose SQL has no hand-written Python predicate: its truth cannot be computed."""


@dataclass
class Rows:
    """One entity's final rows: raw values (as read) and typed values (after TRY_CAST)."""

    spec: EntitySpec
    raw: dict[str, list[Any]]
    typed: dict[str, list[Any]] = field(default_factory=dict)
    rejected_lines: list[int] = field(default_factory=list)
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (column, FieldType)

    def __post_init__(self) -> None:
        if not self.typed:
            self.typed = {
                name: [try_cast(v, self.spec.fields[name].type) for v in values]
                for name, values in self.raw.items()
            }

    @property
    def n(self) -> int:
        return len(self.raw[self.spec.one_key("the demo")])

    def key(self, i: int) -> str:
        """Row ``i``'s failure key (docs/engine.md, "Keys"): text as read, else the typed
        value as text ("" for NULL, as the ground-truth test reads a NULL key)."""
        name = self.spec.one_key("the demo")
        raw, value = self.raw[name][i], self.typed[name][i]
        if isinstance(raw, str):
            return raw
        found = raw if value is None else value
        return "" if found is None else str(found)

    def row(self, i: int) -> dict[str, Any]:
        return {name: values[i] for name, values in self.typed.items()}

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for i in range(self.n):
            yield i, self.row(i)


def try_cast(value: Any, ftype: FieldType) -> Any:
    """DuckDB TRY_CAST of text to ``ftype`` for the values the demo writes; typed values pass."""
    if not isinstance(value, str) or ftype is FieldType.string:
        return value
    text = value.strip()
    try:
        if ftype is FieldType.integer:
            return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None
        if ftype is FieldType.number:
            return float(text) if re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", text) else None
        if ftype is FieldType.boolean:
            return {"true": True, "false": False, "t": True, "f": False}.get(text.lower())
        if ftype is FieldType.date:
            return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        return (
            datetime.fromisoformat(text)
            if re.fullmatch(r"\d{4}-\d\d-\d\d[ T][\d:.]+", text)
            else None
        )
    except ValueError:
        return None


def sql_filter(rule: TruthRule, part: str) -> Callable[[dict[str, Any]], bool] | None:
    """The Python meaning of a rule's ``where`` / ``when``; None when the rule has none."""
    if not getattr(rule.opts, part, None):
        return None
    try:
        return FILTERS[(rule.name, part)]
    except KeyError:
        raise NoPythonMeaning(
            f"{rule.name}: no Python predicate for its {part!r} in predicates.py"
        ) from None


def present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def evaluate(
    rules: list[TruthRule],
    data: dict[str, Rows],
    previous: dict[str, Rows],
    now: datetime,
    unknown: list[str] | None = None,
) -> set[tuple[str, str]]:
    """Every (rule, key) that must fail.

    Rules whose SQL has no Python meaning raise ``NoPythonMeaning``, or, when an ``unknown``
    list is given, are left out of the truth and named in it.
    """
    out: set[tuple[str, str]] = set()
    for rule in rules:
        try:
            out |= _evaluate_one(rule, data, previous, now)
        except NoPythonMeaning:
            if unknown is None:
                raise
            unknown.append(rule.name)
    return out


def _evaluate_one(
    rule: TruthRule, data: dict[str, Rows], previous: dict[str, Rows], now: datetime
) -> set[tuple[str, str]]:
    rows = data[rule.entity]
    if rule.kind == "parseable":
        return {(rule.name, f"line:{n}") for n in rows.rejected_lines}
    if rule.table:
        fails = TABLE_RULES[rule.kind](rule, rows, now, data)
        return {(rule.name, TABLE_KEY)} if fails else set()
    failing = ROW_RULES[rule.kind](rule, rows, data, previous)
    return {(rule.name, rows.key(i)) for i in failing}


def _required(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    values = rows.raw[rule.field or ""]
    if rule.opts.allow_blank:
        return {i for i, v in enumerate(values) if v is None}
    return {i for i, v in enumerate(values) if not present(v)}


def _type(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    name = rule.field or ""
    raw, typed = rows.raw[name], rows.typed[name]
    return {i for i, v in enumerate(raw) if present(v) and typed[i] is None}


def _format(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    opts = rule.opts
    check = _format_check(opts.format.value, opts.pattern)
    strict = _strict_check(opts.format.value, opts.region) if opts.strict else None
    bad = set()
    for i, v in enumerate(rows.typed[rule.field or ""]):
        if present(v) and (not check(v) or (strict is not None and not strict(v))):
            bad.add(i)
    return bad


def _format_check(fmt: str, pattern: str | None) -> Callable[[str], bool]:
    if fmt == "regex":
        compiled = re.compile(pattern or "")
        return lambda v: compiled.fullmatch(v) is not None
    if fmt == "phone":
        return lambda v: bool(PHONE_E164.fullmatch(v) or PHONE_NANP.fullmatch(v))
    if fmt == "salesforce_id":
        return salesforce_id_ok
    regex = {"email": EMAIL, "url": URL, "postal_code": POSTAL}[fmt]
    return lambda v: regex.fullmatch(v) is not None


def salesforce_id_ok(value: str) -> bool:
    if SFID.fullmatch(value) is None:
        return False
    if len(value) == 15:
        return True
    suffix = ""
    for chunk in range(3):
        part = value[chunk * 5 : chunk * 5 + 5]
        suffix += SUFFIX[sum(1 << j for j, c in enumerate(part) if "A" <= c <= "Z")]
    return value[15:] == suffix


def _strict_check(fmt: str, region: str) -> Callable[[str], bool]:
    if fmt == "email":
        from email_validator import EmailNotValidError, validate_email

        def email_ok(v: str) -> bool:
            try:
                validate_email(v, check_deliverability=False)
            except EmailNotValidError:
                return False
            return True

        return email_ok
    import phonenumbers

    def phone_ok(v: str) -> bool:
        try:
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(v, region)))
        except phonenumbers.NumberParseException:
            return False

    return phone_ok


def _allowed(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    fold = rule.opts.ignore_case
    allowed = {_fold(v, fold) for v in rule.opts.values}
    values = rows.typed[rule.field or ""]
    return {i for i, v in enumerate(values) if present(v) and _fold(v, fold) not in allowed}


def _fold(v: Any, fold: bool) -> Any:
    return v.lower() if fold and isinstance(v, str) else v


def _bound(value: Any, ftype: FieldType) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return try_cast(value, ftype)


def _range(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    name = rule.field or ""
    ftype = rows.spec.fields[name].type
    lo, hi = _bound(rule.opts.min, ftype), _bound(rule.opts.max, ftype)
    excl = rule.opts.exclusive
    bad = set()
    for i, v in enumerate(rows.typed[name]):
        if not present(v):
            continue
        if lo is not None and (v <= lo if excl else v < lo):
            bad.add(i)
        if hi is not None and (v >= hi if excl else v > hi):
            bad.add(i)
    return bad


def _length(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    lo, hi = rule.opts.min, rule.opts.max
    bad = set()
    for i, v in enumerate(rows.typed[rule.field or ""]):
        if present(v) and ((lo is not None and len(v) < lo) or (hi is not None and len(v) > hi)):
            bad.add(i)
    return bad


def _unique(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    opts = rule.opts
    columns = [rule.field] if rule.field else list(opts.columns)
    columns = [*columns, *opts.within]
    fold = getattr(opts, "ignore_case", False)
    when = sql_filter(rule, "when")
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, row in rows.rows():
        values = tuple(_fold(row[c], fold) for c in columns)
        if all(present(v) for v in values) and (when is None or when(row)):
            groups[values].append(i)
    return {i for members in groups.values() if len(members) > 1 for i in members}


def _targets(rule: TruthRule, target: Rows, columns: list[str]) -> set[tuple[Any, ...]]:
    where = sql_filter(rule, "where")
    return {
        tuple(row[c] for c in columns) for _, row in target.rows() if where is None or where(row)
    }


def _references(rule: TruthRule, rows: Rows, data: dict[str, Rows], *_: Any) -> set[int]:
    target = data[rule.opts.entity]
    found = _targets(rule, target, [rule.opts.field or target.spec.one_key("the demo")])
    values = rows.typed[rule.field or ""]
    return {i for i, v in enumerate(values) if present(v) and (v,) not in found}


def _reference(rule: TruthRule, rows: Rows, data: dict[str, Rows], *_: Any) -> set[int]:
    opts = rule.opts
    target = data[opts.entity]
    target_columns = opts.target_columns or (
        [target.spec.one_key("the demo")] if len(opts.columns) == 1 else list(opts.columns)
    )
    found = _targets(rule, target, target_columns)
    when = sql_filter(rule, "when")
    bad = set()
    for i, row in rows.rows():
        values = tuple(row[c] for c in opts.columns)
        if all(present(v) for v in values) and (when is None or when(row)) and values not in found:
            bad.add(i)
    return bad


def _expression(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    fails = FAILS.get(rule.name)
    if fails is None:
        raise NoPythonMeaning(f"{rule.name}: no Python predicate for its check in predicates.py")
    return {i for i, row in rows.rows() if fails(row)}


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
}  # fmt: skip


def _aggregate(rule: TruthRule, rows: Rows, data: dict[str, Rows], *_: Any) -> set[int]:
    opts = rule.opts
    related = data[opts.related]
    where = sql_filter(rule, "where")
    per_key: dict[Any, Any] = _aggregate_by_key(opts, related, where)
    when = sql_filter(rule, "when")
    bad = set()
    keys = rows.typed[rows.spec.one_key("the demo")]
    for i, row in rows.rows():
        value = row[opts.field]
        if value is None or (when is not None and not when(row)):
            continue
        if not COMPARE[opts.compare](value, per_key.get(keys[i], 0)):
            bad.add(i)
    return bad


def _aggregate_by_key(
    opts: Any, related: Rows, where: Callable[..., bool] | None
) -> dict[Any, Any]:
    counts: Counter[Any] = Counter()
    sums: dict[Any, Any] = defaultdict(int)
    distinct: dict[Any, set[Any]] = defaultdict(set)
    for _, row in related.rows():
        fk = row[opts.foreign_key]
        if fk is None or (where is not None and not where(row)):
            continue
        counts[fk] += 1
        if opts.column and row[opts.column] is not None:
            sums[fk] += row[opts.column]
            distinct[fk].add(row[opts.column])
    if opts.function == "sum":
        return dict(sums)
    if opts.function == "count_distinct":
        return {k: len(v) for k, v in distinct.items()}
    return dict(counts)


def _transition(rule: TruthRule, rows: Rows, _: Any, previous: dict[str, Rows]) -> set[int]:
    prev = previous.get(rule.entity)
    if prev is None:
        return set()
    name, key = rule.opts.field, rows.spec.one_key("the demo")
    old_of = dict(zip(prev.typed[key], prev.typed[name], strict=True))
    allowed = rule.opts.allowed
    bad = set()
    for i, (k, new) in enumerate(zip(rows.typed[key], rows.typed[name], strict=True)):
        if k not in old_of or k is None:
            continue
        old = old_of[k]
        if present(old) and present(new) and new != old and new not in allowed.get(old, []):
            bad.add(i)
    return bad


def _monotonic(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    """Each evaluated row against the previous evaluated row of its ``within`` group, in the
    order of ``order_by`` then the key; the first of a group passes. A repeated key: every
    row with that key and a value, evaluated or not, against the predecessor of any
    evaluated row with that key (docs/rules.md: the window is joined back on the key)."""
    opts = rule.opts
    when = sql_filter(rule, "when")
    key = rows.spec.key_fields
    needed = [*key, opts.field, *opts.order_by, *opts.within]
    groups: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], int]]] = defaultdict(list)
    for i, row in rows.rows():
        if all(present(row[c]) for c in needed) and (when is None or when(row)):
            order = tuple(row[c] for c in [*opts.order_by, *key])
            groups[tuple(row[c] for c in opts.within)].append((order, i))
    values = rows.typed[opts.field]
    predecessors: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for members in groups.values():
        members.sort()
        for (_, prev), (_, i) in zip(members, members[1:], strict=False):
            predecessors[_key_of(rows, key, i)].append(values[prev])
    decreasing, strict = opts.direction == "decreasing", opts.strict
    bad = set()
    for i in range(rows.n):
        if values[i] is None:
            continue
        for old in predecessors.get(_key_of(rows, key, i), []):
            new, before = (old, values[i]) if decreasing else (values[i], old)
            if new < before or (strict and new == before):
                bad.add(i)
    return bad


def _key_of(rows: Rows, key: list[str], i: int) -> tuple[Any, ...]:
    return tuple(rows.typed[c][i] for c in key)


def _row_count(rule: TruthRule, rows: Rows, now: datetime, *_: Any) -> bool:
    where = sql_filter(rule, "where")
    count = sum(1 for _, row in rows.rows() if where is None or where(row))
    lo, hi = rule.opts.min, rule.opts.max
    return (lo is not None and count < lo) or (hi is not None and count > hi)


def _row_count_compare(rule: TruthRule, rows: Rows, now: datetime, data: dict[str, Rows]) -> bool:
    where, other_where = sql_filter(rule, "where"), sql_filter(rule, "entity_where")
    count = sum(1 for _, row in rows.rows() if where is None or where(row))
    other = data[rule.opts.entity]
    expected = rule.opts.ratio * sum(
        1 for _, row in other.rows() if other_where is None or other_where(row)
    )
    return bool(abs(count - expected) > rule.opts.tolerance * expected)


def _freshness(rule: TruthRule, rows: Rows, now: datetime, *_: Any) -> bool:
    values = [v for v in rows.typed[rule.opts.field] if v is not None]
    if not values:
        return True
    amount, unit = int(rule.opts.max_age[:-1]), rule.opts.max_age[-1]
    max_age = timedelta(
        **{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount}
    )
    return bool(now - max(values) > max_age)


def _json(rule: TruthRule, rows: Rows, *_: Any) -> set[int]:
    """RFC 8259 JSON (no NaN or Infinity), conforming to the schema when there is one."""
    schema = rule.opts.schema_
    conforms = None
    if schema is not None:
        from jsonschema import validators

        conforms = validators.validator_for(schema)(schema).is_valid
    bad = set()
    for i, v in enumerate(rows.typed[rule.field or ""]):
        if not present(v):
            continue
        try:
            parsed = json.loads(v, parse_constant=_not_json)
        except ValueError:
            bad.add(i)
            continue
        if conforms is not None and not conforms(parsed):
            bad.add(i)
    return bad


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _metric(rule: TruthRule, rows: Rows, now: datetime, *_: Any) -> bool:
    """Outside its bounds, or no value to measure; a change limit needs history: not here."""
    opts = rule.opts
    value = metric_value(rule, rows)
    if opts.min is None and opts.max is None:
        return False
    if value is None:
        return True
    return (opts.min is not None and value < opts.min) or (
        opts.max is not None and value > opts.max
    )


def metric_change_fails(rule: TruthRule, value: float | None, baseline: float | None) -> bool:
    """The change limit against one baseline value; nothing to compare: not failed."""
    change = rule.opts.change
    if change is None or value is None or baseline is None:
        return False
    move = abs(value - baseline)
    if change.max_delta is not None and move > change.max_delta:
        return True
    if change.max_percent is None:
        return False
    return move > 0 if baseline == 0 else 100 * move / abs(baseline) > change.max_percent


def metric_value(rule: TruthRule, rows: Rows) -> float | None:
    """The metric over the rows its ``where`` keeps; NULL and blank text are no value."""
    opts = rule.opts
    where = sql_filter(rule, "where")
    kept = [row for _, row in rows.rows() if where is None or where(row)]
    values = [row[opts.field] for row in kept if present(row[opts.field])]
    numbers = sorted(float(v) for v in values) if opts.metric in NUMBER_METRICS else []
    name = opts.metric
    if name == "missing_count":
        return float(len(kept) - len(values))
    if name == "missing_percent":
        return 100.0 * (len(kept) - len(values)) / len(kept) if kept else None
    if name == "distinct_count":
        return float(len(set(values)))
    if name == "duplicate_count":
        return float(len(values) - len(set(values)))
    if name == "avg_length":
        return statistics.fmean(len(str(v)) for v in values) if values else None
    if not numbers:
        return None
    if name == "stddev":
        return statistics.stdev(numbers) if len(numbers) > 1 else None
    if name in ("median", "quantile"):
        q = 0.5 if name == "median" else opts.quantile
        position = q * (len(numbers) - 1)  # continuous: interpolate between neighbours
        low = int(position)
        high = min(low + 1, len(numbers) - 1)
        return numbers[low] + (numbers[high] - numbers[low]) * (position - low)
    summaries: dict[str, Callable[[list[float]], float]] = {
        "min": min, "max": max, "sum": math.fsum, "mean": statistics.fmean,
    }  # fmt: skip
    return summaries[name](numbers)


NUMBER_METRICS = ("min", "max", "mean", "median", "stddev", "sum", "quantile")


def _schema(rule: TruthRule, rows: Rows, now: datetime, *_: Any) -> bool:
    """The delivered columns against one kind of the entity's ``schema:`` block."""
    part: str = rule.opts.kind
    spec: SchemaSpec = rule.opts.spec
    names = [name.lower() for name, _ in rows.delivered]
    types = {name.lower(): kind for name, kind in rows.delivered}
    if part == "required_columns":
        return any(c.lower() not in types for c in spec.required_columns)
    if part == "forbidden_columns":
        return any(c.lower() in types for c in spec.forbidden_columns)
    if part == "types":
        return any(types.get(c.lower()) != str(t) for c, t in spec.types.items())
    if part == "column_count":
        return len(names) != spec.column_count
    listed = [c.lower() for c in spec.required_columns if c.lower() in types]
    return bool(listed != sorted(listed, key=names.index))


def _drift(*_: Any) -> bool:
    """The generator makes one run's data: no reference run, so the rule is skipped.
    ``drift_outcome`` decides it when a test makes a reference run first."""
    return False


DRIFT_THRESHOLDS = {"ks": 0.1, "chi_square": 0.05, "psi": 0.2}
DRIFT_FLOOR = 1e-4


def drift_outcome(rule: TruthRule, current: Rows, reference: Rows) -> tuple[float, bool] | None:
    """(observed, failed) of a drift rule, docs/rules.md, in Python and scipy; None when
    either side has no present value (the rule is skipped)."""
    from scipy import stats

    opts = rule.opts
    ftype = current.spec.fields[opts.field].type
    numeric = ftype in (FieldType.integer, FieldType.number, FieldType.date, FieldType.timestamp)
    method = opts.method or ("ks" if numeric else "chi_square")
    here = [_drift_value(v) for v in current.typed[opts.field] if present(v)]
    there = [_drift_value(v) for v in reference.typed[opts.field] if present(v)]
    if not here or not there:
        return None
    if method == "ks":
        observed = float(stats.ks_2samp(here, there).statistic)
    elif method == "psi" and numeric:
        observed = _psi_binned(here, there, opts.bins)
    else:
        values = sorted({str(v) for v in here} | {str(v) for v in there})
        a, b = Counter(str(v) for v in here), Counter(str(v) for v in there)
        if method == "psi":
            observed = _psi([a[v] for v in values], [b[v] for v in values])
        elif len(values) < 2:
            observed = 1.0
        else:
            table = [[a[v] for v in values], [b[v] for v in values]]
            observed = float(stats.chi2_contingency(table, correction=False).pvalue)
    threshold = opts.threshold if opts.threshold is not None else DRIFT_THRESHOLDS[method]
    failed = observed < threshold if method == "chi_square" else observed > threshold
    return observed, failed


def _drift_value(value: Any) -> Any:
    """Dates and timestamps as epoch seconds (naive times are UTC); others as they are."""
    if isinstance(value, datetime):
        return (value - datetime(1970, 1, 1)).total_seconds()
    if isinstance(value, date):
        return float((value - date(1970, 1, 1)).days * 86400)
    return value


def _psi(here: list[int], there: list[int]) -> float:
    p = [max(n / sum(here), DRIFT_FLOOR) for n in here]
    q = [max(n / sum(there), DRIFT_FLOOR) for n in there]
    return math.fsum((a - b) * math.log(a / b) for a, b in zip(p, q, strict=True))


def _psi_binned(here: list[float], there: list[float], bins: int) -> float:
    """Both sides in bins cut at the reference's inner quantiles (a value on a cut goes up)."""
    import bisect

    ordered = sorted(there)
    cuts = sorted({_quantile(ordered, j / bins) for j in range(1, bins)})

    def counts(values: list[float]) -> list[int]:
        found = Counter(bisect.bisect_right(cuts, v) for v in values)
        return [found[j] for j in range(len(cuts) + 1)]

    return _psi(counts(here), counts(there))


def _quantile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


ROW_RULES: dict[str, Callable[..., set[int]]] = {
    "required": _required, "type": _type, "format": _format, "allowed": _allowed,
    "range": _range, "length": _length, "unique": _unique, "references": _references,
    "reference": _reference, "expression": _expression, "aggregate": _aggregate,
    "transition": _transition, "json": _json, "monotonic": _monotonic,
}  # fmt: skip
TABLE_RULES: dict[str, Callable[..., bool]] = {
    "row_count": _row_count, "freshness": _freshness, "metric": _metric, "schema": _schema,
    "row_count_compare": _row_count_compare, "drift": _drift,
}  # fmt: skip
