"""Defect injection for the written rules of the VMS pack, keyed by rule name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo.columns import US_PER_DAY, US_PER_MIN
from vmsdq.demo.frame import Frame
from vmsdq.demo.inject import duplicate_rows, present, put

Frames = dict[str, Frame]
Injector = Callable[[Frame, int, Frames], None]
TABLE_KEY = ""  # truth key of table rules (row_count, freshness): one row per failing rule


def _is(frame: Frame, field: str, value: object) -> np.ndarray:
    return np.asarray(
        pc.fill_null(pc.equal(frame.col(field), value), False).to_numpy(zero_copy_only=False)
    )


def _shift(frame: Frame, field: str, rows: np.ndarray, base: str, delta_us: int) -> None:
    start = frame.num(base)[rows] + delta_us
    frame.set(field, rows, pa.array(start.astype("datetime64[us]")))


def _swap(columns: tuple[str, str]) -> Injector:
    def inject(f: Frame, k: int, _: Frames) -> None:
        lo, hi = f.num(columns[0], -1), f.num(columns[1], -1)
        rows = f.take_rows(k, f.valid(columns[0]) & f.valid(columns[1]) & (lo < hi))
        f.set(columns[0], rows, f.get(columns[1], rows))
        f.set(columns[1], rows, pa.array(lo[rows]).cast(f.type_of(columns[1])))

    return inject


def _updated_before_created(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("created_at") & f.valid("updated_at"))
    _shift(f, "updated_at", rows, "created_at", -US_PER_DAY)


def _set_where(field: str, cond: Callable[[Frame], np.ndarray], values: list[object]) -> Injector:
    def inject(f: Frame, k: int, _: Frames) -> None:
        rows = f.take_rows(k, cond(f))
        put(f, field, rows, [values[i % len(values)] for i in range(len(rows))])

    return inject


def _volunteer_minimum_age(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("first_volunteer_date") & f.valid("birthdate"))
    first = f.get("first_volunteer_date", rows).to_pylist()
    put(f, "birthdate", rows, [d - timedelta(days=365 * 8) for d in first])


def _event_end_before_start(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("start_time") & f.valid("end_time"))
    _shift(f, "end_time", rows, "start_time", -60 * US_PER_MIN)


def _event_bad_duration(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("start_time") & f.valid("end_time"))
    short = rows[::2]
    _shift(f, "end_time", short, "start_time", 5 * US_PER_MIN)
    _shift(f, "end_time", rows[1::2], "start_time", 40 * US_PER_DAY)


def _attended_over_registered(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("registered_count") & ~_is(f, "status", "Completed"))
    f.set("attended_count", rows, pa.array(f.num("registered_count")[rows] + 1))


def _over_capacity(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("registered_count") & (f.num("registered_count") >= 2))
    f.set("capacity", rows, pa.array(f.num("registered_count")[rows] - 1))


def _status_counts(frames: Frames, status_ok: Callable[[pa.Array], pa.Array]) -> dict[str, int]:
    part = frames["participation"]
    keep = pc.and_(pc.is_valid(part.col("event_id")), status_ok(part.col("status")))
    ids = part.col("event_id").filter(pc.fill_null(keep, False))
    counts = pc.value_counts(ids)
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(),
                    strict=True))  # fmt: skip


def _registered_mismatch(f: Frame, k: int, frames: Frames) -> None:
    counts = _status_counts(frames, lambda s: pc.not_equal(s, "Cancelled"))
    rows = f.take_rows(k, f.valid("registered_count"))
    keys = f.get("event_id", rows).to_pylist()
    actual = np.array([counts.get(key, 0) for key in keys], dtype=np.int64)
    f.set("registered_count", rows, pa.array(actual + 1))
    f.set("capacity", rows, pa.array(np.maximum(f.num("capacity")[rows], actual + 1)))


def _attended_mismatch(f: Frame, k: int, frames: Frames) -> None:
    counts = _status_counts(frames, lambda s: pc.equal(s, "Attended"))
    rows = f.take_rows(k, _is(f, "status", "Completed") & (f.num("attended_count") > 0))
    keys = f.get("event_id", rows).to_pylist()
    f.set("attended_count", rows, pa.array([counts.get(key, 0) - 1 for key in keys]))


def _dnc_volunteer(f: Frame, k: int, frames: Frames) -> None:
    vol = frames["volunteer"]
    dnc = np.flatnonzero(_is(vol, "status", "Do Not Contact") & ~vol.used)
    rows = f.take_rows(min(k, len(dnc)))
    f.set("volunteer_id", rows, vol.get("volunteer_id", dnc[: len(rows)]))


def _checkin_before_registration(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("checked_in_at") & f.valid("registered_at"))
    _shift(f, "checked_in_at", rows, "registered_at", -60 * US_PER_MIN)


def _no_show_checked_in(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, _is(f, "status", "No-Show") & f.valid("registered_at"))
    _shift(f, "checked_in_at", rows, "registered_at", 60 * US_PER_MIN)


def _wrong_grade(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("grade") & f.valid("birthdate") & f.valid("enrolled_on"))
    grade = f.num("grade")[rows]
    f.set("grade", rows, pa.array(np.where(grade <= 6, grade + 6, grade - 6)))


def _enrolled_before_birth(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, f.valid("birthdate"))
    days = f.num("birthdate")[rows] - 1
    f.set("enrolled_on", rows, pa.array(days.astype("datetime64[D]")))


def _school_not_in_district(f: Frame, k: int, frames: Frames) -> None:
    schools = frames["school"]
    district_of = dict(zip(schools.col("school_id").to_pylist(),
                           schools.col("district_id").to_pylist(), strict=True))  # fmt: skip
    dist = frames["district"]
    districts = dist.get("district_id", np.flatnonzero(~dist.used)).to_pylist()
    if len(set(districts)) < 2:  # no clean other district left (very high defect scale)
        return
    rows = f.take_rows(k, present(f, "school_id") & present(f, "district_id"))
    schools_of = f.get("school_id", rows).to_pylist()
    picks = [next(d for d in districts if d != district_of.get(s)) for s in schools_of]
    f.set("district_id", rows, picks)


def _uppercase_email(f: Frame, k: int, _: Frames) -> None:
    rows = f.take_rows(k, present(f, "email"))
    old = f.get("email", rows).to_pylist()
    f.set("email", rows, [v[:1].upper() + v[1:] for v in old])


def _registration_out_of_order(f: Frame, k: int, _: Frames) -> None:
    """A later registration numbered 0. Only rows whose predecessor is still untouched; the
    predecessor is reserved (not marked used, which would record it as injected) so no field
    defect nulls or moves it, and no later whole-row rule of the pack changes rows."""
    number = f.num("registration_number")
    before = predecessors(f.col("volunteer_id"), number)
    clean = ~f.used & f.valid("registered_at")
    ready = f.valid("volunteer_id") & (before >= 0) & clean & clean[np.maximum(before, 0)]
    rows = f.take_rows(k, ready)
    f.reserved[before[rows]] = True
    f.set("registration_number", rows, 0)


def predecessors(volunteer: pa.Array, number: np.ndarray) -> np.ndarray:
    """Per row, the last row of the same volunteer (NULL being one) numbered one less, or -1:
    ``{(volunteer, number): row}`` looked up at ``(volunteer, number - 1)``, without a Python
    object per row."""
    encoded = volunteer.dictionary_encode()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    number = np.asarray(number, dtype=np.int64)
    if not len(number):
        return np.zeros(0, dtype=np.int64)
    low, span = int(number.min()), int(number.max()) - int(number.min()) + 2
    if span * (len(encoded.dictionary) + 1) >= 2**62:  # keys would overflow: the dict
        values = volunteer.to_pylist()
        row_of = {(values[i], int(number[i])): i for i in range(len(values))}
        found = [row_of.get((values[i], int(number[i]) - 1), -1) for i in range(len(values))]
        return np.array(found, dtype=np.int64)
    keys = (codes + 1) * span + (number - low + 1)  # one int per (volunteer, number)
    order = np.lexsort((np.arange(len(keys)), keys))
    ordered = keys[order]
    last = np.r_[ordered[1:] != ordered[:-1], True]  # a later row wins, as in the dict
    stored, rows = ordered[last], order[last]
    wanted = keys - 1  # offset 0 is never stored: no run-over into another volunteer
    at = np.minimum(np.searchsorted(stored, wanted), len(stored) - 1)
    return np.where(stored[at] == wanted, rows[at], -1).astype(np.int64)


ROW_INJECTORS: dict[str, Injector] = {
    "school.grade_span": _swap(("low_grade", "high_grade")),
    "organization.updated_after_created": _updated_before_created,
    "volunteer.updated_after_created": _updated_before_created,
    "volunteer.active_needs_cleared_check": _set_where(
        "background_check_status", lambda f: _is(f, "status", "Active"), ["In Progress", None]
    ),
    "volunteer.cleared_check_has_date": _set_where(
        "background_check_date", lambda f: _is(f, "background_check_status", "Cleared"), [None]
    ),
    "volunteer.minimum_age": _volunteer_minimum_age,
    "volunteer.name_not_placeholder": _set_where(
        "last_name", lambda f: f.valid("last_name"), ["Unknown", "TEST", "n/a", " none "]
    ),
    "volunteer.email_lowercase": _uppercase_email,
    "volunteer.hours_need_first_date": _set_where(
        "first_volunteer_date", lambda f: f.num("hours_logged", 0.0) > 0, [None]
    ),
    "event.end_after_start": _event_end_before_start,
    "event.duration_bounds": _event_bad_duration,
    "event.attended_within_registered": _attended_over_registered,
    "event.registered_within_capacity": _over_capacity,
    "event.cancelled_needs_reason": _set_where(
        "cancellation_reason", lambda f: _is(f, "status", "Cancelled"), [None, "  "]
    ),
    "event.completed_has_attendance": _set_where(
        "attended_count", lambda f: _is(f, "status", "Completed"), [None]
    ),
    "event.registered_matches_participations": _registered_mismatch,
    "event.attended_matches_participations": _attended_mismatch,
    "participation.attended_has_hours": _set_where(
        "hours", lambda f: _is(f, "status", "Attended"), [0.0, None]
    ),
    "participation.hours_only_when_attended": _set_where(
        "hours", lambda f: _is(f, "status", "Registered") | _is(f, "status", "No-Show"), [2.5]
    ),
    "participation.no_show_not_checked_in": _no_show_checked_in,
    "participation.checkin_after_registration": _checkin_before_registration,
    "participation.volunteer_contactable": _dnc_volunteer,
    "participation.registration_number_grows": _registration_out_of_order,
    "student.age_matches_grade": _wrong_grade,
    "student.enrolled_after_birth": _enrolled_before_birth,
    "teacher.grade_band": _swap(("grade_level_low", "grade_level_high")),
    "teacher.school_in_district": _school_not_in_district,
}
DUPLICATES: dict[str, list[str]] = {  # rule -> columns copied from one row onto another
    "school.name_unique_in_district": ["name", "district_id"],
    "organization.name_postal_unique": ["name", "postal_code"],
    "event.no_duplicate_event": ["organization_id", "name", "start_time", "end_time"],
    "participation.one_registration_per_volunteer": ["event_id", "volunteer_id"],
}


def inject_written(rule: str, frame: Frame, k: int, frames: Frames) -> bool:
    """Inject a defect for the written rule ``rule``; False when it has no injector."""
    if rule in DUPLICATES:
        duplicate_rows(frame, rule, DUPLICATES[rule], k)
        return True
    found = ROW_INJECTORS.get(rule)
    if found is None:
        return False
    before = frame.used.copy()
    found(frame, k, frames)
    frame.record(rule, np.flatnonzero(frame.used & ~before))
    return True
