"""Hand-written DuckDB SQL over the Parquet files: the near-limit baseline (one query per table).

Usage: python sql_baseline.py DATA_DIR  -> prints {"check name": failed rows, ...} as JSON.
Semantics as docs/rules.md: NULL never fails; string values count only when present
(not blank after trimming); a duplicate group counts every member.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EMAIL = (
    r"^[a-zA-Z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
PHONE = (
    r"^(\+[1-9][0-9]{7,14}|(\+?1[ .-]?)?(\([2-9][0-9]{2}\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}"
    r"[ .-]?[0-9]{4})$"
)
SF_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"

VOLUNTEER = f"""
SELECT
  count(*) FILTER (volunteer_id IS NULL OR trim(volunteer_id) = '')
    AS "volunteer.volunteer_id.required",
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {{volunteer}}
     GROUP BY volunteer_id HAVING n > 1 AND trim(volunteer_id) <> ''))
    AS "volunteer.volunteer_id.unique",
  count(*) FILTER (NOT regexp_full_match(email, '{EMAIL}') AND trim(email) <> '')
    AS "volunteer.email.format",
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {{volunteer}}
     GROUP BY email HAVING n > 1 AND trim(email) <> ''))
    AS "volunteer.email.unique",
  count(*) FILTER (NOT regexp_full_match(phone, '{PHONE}') AND trim(phone) <> '')
    AS "volunteer.phone.format",
  count(*) FILTER (NOT regexp_full_match(salesforce_id, '{SF_ID}')
                   AND trim(salesforce_id) <> '')
    AS "volunteer.salesforce_id.format",
  count(*) FILTER (status NOT IN ('Active', 'Inactive', 'Pending', 'Do Not Contact')
                   AND trim(status) <> '')
    AS "volunteer.status.allowed",
  count(*) FILTER (birthdate < DATE '1920-01-01' OR birthdate > DATE '2012-12-31')
    AS "volunteer.birthdate.range",
  count(*) FILTER (length(last_name) > 80 AND trim(last_name) <> '')
    AS "volunteer.last_name.length",
  count(*) FILTER (hours_logged IS NOT NULL AND TRY_CAST(hours_logged AS DOUBLE) IS NULL)
    AS "volunteer.hours_logged.type",
  (SELECT count(*) FILTER (trim(organization_id) <> '')
     FROM {{volunteer}} v ANTI JOIN {{organization}} o USING (organization_id))
    AS "volunteer.organization_id.references",
  count(*) FILTER (updated_at < created_at) AS "volunteer.updated_after_created",
  count(*) FILTER (status = 'Active' AND coalesce(background_check_status, '') <> 'Cleared')
    AS "volunteer.active_needs_cleared_check",
  CASE WHEN count(*) < 1 THEN 1 ELSE 0 END AS "volunteer.has_rows",
  CASE WHEN coalesce(max(updated_at) >= now()::TIMESTAMP - INTERVAL 2 DAY, false)
       THEN 0 ELSE 1 END AS "volunteer.fresh"
FROM {{volunteer}}
"""

ORGANIZATION = f"""
SELECT
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {{organization}}
     GROUP BY organization_id HAVING n > 1 AND trim(organization_id) <> ''))
    AS "organization.organization_id.unique",
  count(*) FILTER (NOT regexp_full_match(email, '{EMAIL}') AND trim(email) <> '')
    AS "organization.email.format"
FROM {{organization}}
"""

EVENT = """
SELECT
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {event}
     GROUP BY event_id HAVING n > 1 AND trim(event_id) <> '')) AS "event.event_id.unique",
  count(*) FILTER (status NOT IN
    ('Draft', 'Scheduled', 'Confirmed', 'In Progress', 'Completed', 'Cancelled', 'Postponed')
    AND trim(status) <> '')
    AS "event.status.allowed",
  count(*) FILTER (end_time <= start_time) AS "event.end_after_start",
  count(*) FILTER (status = 'Cancelled' AND length(trim(coalesce(cancellation_reason, ''))) = 0)
    AS "event.cancelled_needs_reason",
  count(*) FILTER (registered_count IS NOT NULL AND registered_count <> coalesce(p.n, 0))
    AS "event.registered_matches_participations"
FROM {event} e LEFT JOIN (SELECT event_id, count(*) AS n FROM {participation}
                           WHERE status <> 'Cancelled' GROUP BY event_id) p USING (event_id)
"""

PARTICIPATION = """
SELECT
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {participation}
     GROUP BY participation_id HAVING n > 1 AND trim(participation_id) <> ''))
    AS "participation.participation_id.unique",
  (SELECT count(*) FILTER (trim(event_id) <> '')
     FROM {participation} p ANTI JOIN {event} e USING (event_id))
    AS "participation.event_id.references",
  (SELECT count(*) FILTER (trim(volunteer_id) <> '')
     FROM {participation} p ANTI JOIN {volunteer} v USING (volunteer_id))
    AS "participation.volunteer_id.references",
  count(*) FILTER (status NOT IN ('Registered', 'Waitlisted', 'Attended', 'No-Show', 'Cancelled')
    AND trim(status) <> '')
    AS "participation.status.allowed",
  count(*) FILTER (hours < 0 OR hours > 24) AS "participation.hours.range",
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {participation}
     GROUP BY event_id, volunteer_id
     HAVING n > 1 AND trim(event_id) <> '' AND trim(volunteer_id) <> ''))
    AS "participation.one_registration_per_volunteer",
  count(*) FILTER (status = 'Attended' AND coalesce(hours, 0) <= 0)
    AS "participation.attended_has_hours"
FROM {participation}
"""

STUDENT = """
SELECT
  (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {student}
     GROUP BY school_id, local_student_id
     HAVING n > 1 AND trim(local_student_id) <> '' AND trim(school_id) <> ''))
    AS "student.local_student_id.unique",
  count(*) FILTER (grade < 0 OR grade > 12) AS "student.grade.range",
  (SELECT count(*) FILTER (trim(school_id) <> '')
     FROM {student} s ANTI JOIN {school} h USING (school_id)) AS "student.school_id.references"
FROM {student}
"""

QUERIES = [VOLUNTEER, ORGANIZATION, EVENT, PARTICIPATION, STUDENT]
TABLES = ["volunteer", "organization", "event", "participation", "student", "school"]


def main(data_dir: str) -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    files = {t: f"read_parquet('{Path(data_dir, t + '.parquet').as_posix()}')" for t in TABLES}
    counts: dict[str, int] = {}
    for query in QUERIES:
        for table, source in files.items():
            query = query.replace("{" + table + "}", source)
        cur = con.execute(query)
        names = [d[0] for d in cur.description]
        counts.update(zip(names, (int(v) for v in cur.fetchone()), strict=True))
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1])
