"""The common benchmark subset: 32 checks over six demo tables, covering every rule type.

Standard library only: every adapter imports this module from its own virtual environment.
Semantics follow docs/rules.md (NULL never fails; `failed` counts failing rows; a duplicate
group counts every member). Each tool translates these entries into its own constructs;
where a tool has no such rule type it uses its nearest equivalent, recorded in NOTES.
"""

from __future__ import annotations

from typing import Any

EMAIL = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
PHONE = (
    r"^(\+[1-9][0-9]{7,14}|(\+?1[ .-]?)?(\([2-9][0-9]{2}\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}"
    r"[ .-]?[0-9]{4})$"
)
SF_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"

TABLES = ["volunteer", "organization", "event", "participation", "student", "school"]

Check = dict[str, Any]


def _c(name: str, kind: str, **params: Any) -> Check:
    return {"name": name, "table": name.split(".")[0], "kind": kind, **params}


CHECKS: list[Check] = [
    _c("volunteer.volunteer_id.required", "required", column="volunteer_id"),
    _c("volunteer.volunteer_id.unique", "unique", columns=["volunteer_id"]),
    _c("volunteer.email.format", "format", column="email", pattern=EMAIL),
    _c("volunteer.email.unique", "unique", columns=["email"]),
    _c("volunteer.phone.format", "format", column="phone", pattern=PHONE),
    _c("volunteer.salesforce_id.format", "format", column="salesforce_id", pattern=SF_ID),
    _c(
        "volunteer.status.allowed",
        "allowed",
        column="status",
        values=["Active", "Inactive", "Pending", "Do Not Contact"],
    ),
    _c(
        "volunteer.birthdate.range",
        "range",
        column="birthdate",
        min="1920-01-01",
        max="2012-12-31",
        type="date",
    ),
    _c("volunteer.last_name.length", "length", column="last_name", max=80),
    _c("volunteer.hours_logged.type", "type", column="hours_logged", type="double"),
    _c(
        "volunteer.organization_id.references",
        "reference",
        column="organization_id",
        target="organization",
        target_column="organization_id",
    ),
    _c(
        "volunteer.updated_after_created", "compare", left="updated_at", op=">=", right="created_at"
    ),
    _c(
        "volunteer.active_needs_cleared_check",
        "conditional",
        when=("status", "Active"),
        then={"equals": ("background_check_status", "Cleared")},
    ),
    _c("volunteer.has_rows", "row_count", min=1),
    _c("volunteer.fresh", "freshness", column="updated_at", max_age_s=2 * 86400),
    _c("organization.organization_id.unique", "unique", columns=["organization_id"]),
    _c("organization.email.format", "format", column="email", pattern=EMAIL),
    _c("event.event_id.unique", "unique", columns=["event_id"]),
    _c(
        "event.status.allowed",
        "allowed",
        column="status",
        values=[
            "Draft",
            "Scheduled",
            "Confirmed",
            "In Progress",
            "Completed",
            "Cancelled",
            "Postponed",
        ],
    ),
    _c("event.end_after_start", "compare", left="end_time", op=">", right="start_time"),
    _c(
        "event.cancelled_needs_reason",
        "conditional",
        when=("status", "Cancelled"),
        then={"present": "cancellation_reason"},
    ),
    _c(
        "event.registered_matches_participations",
        "aggregate",
        field="registered_count",
        related="participation",
        foreign_key="event_id",
        key="event_id",
        related_exclude=("status", "Cancelled"),
    ),
    _c("participation.participation_id.unique", "unique", columns=["participation_id"]),
    _c(
        "participation.event_id.references",
        "reference",
        column="event_id",
        target="event",
        target_column="event_id",
    ),
    _c(
        "participation.volunteer_id.references",
        "reference",
        column="volunteer_id",
        target="volunteer",
        target_column="volunteer_id",
    ),
    _c(
        "participation.status.allowed",
        "allowed",
        column="status",
        values=["Registered", "Waitlisted", "Attended", "No-Show", "Cancelled"],
    ),
    _c("participation.hours.range", "range", column="hours", min=0, max=24, type="double"),
    _c(
        "participation.one_registration_per_volunteer",
        "unique",
        columns=["event_id", "volunteer_id"],
    ),
    _c(
        "participation.attended_has_hours",
        "conditional",
        when=("status", "Attended"),
        then={"positive": "hours"},
    ),
    _c(
        "student.local_student_id.unique",
        "unique",
        columns=["local_student_id"],
        within=["school_id"],
    ),
    _c("student.grade.range", "range", column="grade", min=0, max=12, type="int"),
    _c(
        "student.school_id.references",
        "reference",
        column="school_id",
        target="school",
        target_column="school_id",
    ),
]

KINDS = sorted({c["kind"] for c in CHECKS})


def columns_of(table: str) -> list[str]:
    """The columns a table's checks read (so tools that load data can load only these)."""
    cols: list[str] = []
    for check in CHECKS:
        if check["table"] == table:
            cols += _check_columns(check)
        if check.get("target") == table:
            cols.append(check["target_column"])
        if check.get("related") == table:
            cols += [check["foreign_key"], check["related_exclude"][0]]
    return sorted(set(cols))


def _check_columns(check: Check) -> list[str]:
    kind = check["kind"]
    if kind == "unique":
        return list(check["columns"]) + list(check.get("within", []))
    if kind == "compare":
        return [check["left"], check["right"]]
    if kind == "conditional":
        then = check["then"]
        inner = then.get("equals", (None,))[0] or then.get("present") or then.get("positive")
        return [check["when"][0], inner]
    if kind == "aggregate":
        return [check["key"], check["field"]]
    if kind == "row_count":
        return []
    return [check["column"]]
