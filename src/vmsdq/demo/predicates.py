"""Hand-written Python meaning of each SQL expression in the VMS pack, keyed by rule name.

A predicate gets one row (field -> typed value, None for NULL) and follows SQL semantics:
a row fails only when the condition is TRUE where it applies and the check is FALSE, so any
NULL operand means "does not fail". ``WHERE`` filters (aggregates, references, row counts)
return True when a row is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

PLACEHOLDER_NAMES = {"test", "unknown", "n/a", "none", "xxx"}


def _both(a: Any, b: Any) -> bool:
    return a is not None and b is not None


def _minutes_between(start: datetime, end: datetime) -> int:
    """DuckDB date_diff('minute', ...): minute boundaries crossed."""
    floor = timedelta(minutes=1)
    s = start.replace(second=0, microsecond=0)
    e = end.replace(second=0, microsecond=0)
    return (e - s) // floor


def _sql_trim(v: str) -> str:
    return v.strip(" ")


FAILS: dict[str, Predicate] = {
    "school.grade_span": lambda r: (
        _both(r["low_grade"], r["high_grade"]) and r["low_grade"] > r["high_grade"]
    ),
    "organization.updated_after_created": lambda r: (
        _both(r["updated_at"], r["created_at"]) and r["updated_at"] < r["created_at"]
    ),
    "volunteer.updated_after_created": lambda r: (
        _both(r["updated_at"], r["created_at"]) and r["updated_at"] < r["created_at"]
    ),
    "volunteer.active_needs_cleared_check": lambda r: (
        r["status"] == "Active" and (r["background_check_status"] or "") != "Cleared"
    ),
    "volunteer.cleared_check_has_date": lambda r: (
        r["background_check_status"] == "Cleared" and r["background_check_date"] is None
    ),
    "volunteer.minimum_age": lambda r: (
        _both(r["birthdate"], r["first_volunteer_date"])
        and r["first_volunteer_date"].year - r["birthdate"].year < 14
    ),
    "volunteer.name_not_placeholder": lambda r: (
        r["last_name"] is not None and _sql_trim(r["last_name"]).lower() in PLACEHOLDER_NAMES
    ),
    "volunteer.email_lowercase": lambda r: (
        r["email"] is not None and r["email"] != r["email"].lower()
    ),
    "volunteer.hours_need_first_date": lambda r: (
        r["hours_logged"] is not None
        and r["hours_logged"] > 0
        and r["first_volunteer_date"] is None
    ),
    "event.end_after_start": lambda r: (
        _both(r["start_time"], r["end_time"]) and r["end_time"] <= r["start_time"]
    ),
    "event.duration_bounds": lambda r: (
        _both(r["start_time"], r["end_time"])
        and r["end_time"] > r["start_time"]
        and not 15 <= _minutes_between(r["start_time"], r["end_time"]) <= 43200
    ),
    "event.attended_within_registered": lambda r: (
        _both(r["attended_count"], r["registered_count"])
        and r["attended_count"] > r["registered_count"]
    ),
    "event.registered_within_capacity": lambda r: (
        _both(r["registered_count"], r["capacity"]) and r["registered_count"] > r["capacity"]
    ),
    "event.cancelled_needs_reason": lambda r: (
        r["status"] == "Cancelled" and len(_sql_trim(r["cancellation_reason"] or "")) == 0
    ),
    "event.completed_has_attendance": lambda r: (
        r["status"] == "Completed" and r["attended_count"] is None
    ),
    "participation.attended_has_hours": lambda r: (
        r["status"] == "Attended" and not (r["hours"] or 0) > 0
    ),
    "participation.hours_only_when_attended": lambda r: (
        r["status"] is not None and r["status"] != "Attended" and (r["hours"] or 0) != 0
    ),
    "participation.no_show_not_checked_in": lambda r: (
        r["status"] == "No-Show" and r["checked_in_at"] is not None
    ),
    "participation.checkin_after_registration": lambda r: (
        _both(r["checked_in_at"], r["registered_at"]) and r["checked_in_at"] < r["registered_at"]
    ),
    "student.age_matches_grade": lambda r: (
        r["birthdate"] is not None
        and r["enrolled_on"] is not None
        and r["grade"] is not None
        and not r["grade"] + 4 <= r["enrolled_on"].year - r["birthdate"].year <= r["grade"] + 8
    ),
    "student.enrolled_after_birth": lambda r: (
        _both(r["enrolled_on"], r["birthdate"]) and r["enrolled_on"] <= r["birthdate"]
    ),
    "teacher.grade_band": lambda r: (
        _both(r["grade_level_low"], r["grade_level_high"])
        and r["grade_level_low"] > r["grade_level_high"]
    ),
}

# Filters: (rule name, which filter) -> keep row. "where" filters the target / related rows;
# "when" restricts which of the entity's own rows are evaluated.
FILTERS: dict[tuple[str, str], Predicate] = {
    ("volunteer.organization_id.references", "where"): lambda r: r["is_active"] is True,
    ("participation.volunteer_contactable", "where"): lambda r: (
        r["status"] is not None and r["status"] != "Do Not Contact"
    ),
    ("event.registered_matches_participations", "where"): lambda r: (
        r["status"] is not None and r["status"] != "Cancelled"
    ),
    ("event.attended_matches_participations", "where"): lambda r: r["status"] == "Attended",
    ("participation.attended_hours_total", "where"): lambda r: r["status"] == "Attended",
    ("event.attended_matches_participations", "when"): lambda r: r["status"] == "Completed",
    ("organization.no_test_records", "where"): lambda r: (
        r["name"] is not None and r["name"].upper().startswith("TEST")
    ),
}
