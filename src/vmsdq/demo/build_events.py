"""Clean events, their participations and the previous event snapshot."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo import vocab as V
from vmsdq.demo.columns import (
    US_PER_DAY,
    US_PER_MIN,
    join,
    null_out,
    padded_ids,
    pick,
    postal_codes,
    salesforce_ids,
    timestamps,
)
from vmsdq.demo.frame import Frame

FUTURE_STATUSES = ["Draft", "Scheduled", "Confirmed", "Postponed", "Cancelled"]
FUTURE_WEIGHTS = [0.1, 0.45, 0.3, 0.05, 0.1]
PAST_STATUSES = ["Completed", "Cancelled", "Postponed"]
PAST_WEIGHTS = [0.86, 0.1, 0.04]
EVENT_STATUSES = [
    "Draft", "Scheduled", "Confirmed", "In Progress", "Completed", "Cancelled", "Postponed",
]  # fmt: skip
PART_STATUSES = ["Registered", "Waitlisted", "Attended", "No-Show", "Cancelled"]
REG, WAIT, ATT, NOSHOW, CANC = range(5)


def _codes(names: list[str]) -> np.ndarray:
    return np.array([EVENT_STATUSES.index(s) for s in names])


def events(n: int, orgs: Frame, schools: Frame, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    etype = pick(rng, V.EVENT_TYPES, n)
    start = (
        now + rng.integers(-400, 120, n) * US_PER_DAY + rng.integers(28, 72, n) * 15 * US_PER_MIN
    )
    start = start // (15 * US_PER_MIN) * (15 * US_PER_MIN)
    minutes = rng.choice([30, 45, 60, 90, 120, 180, 240, 480, 1440, 2880], n)
    end = start + minutes * US_PER_MIN
    past, running = end <= now, (start <= now) & (end > now)
    future_code = rng.choice(len(FUTURE_STATUSES), n, p=FUTURE_WEIGHTS)
    past_code = rng.choice(len(PAST_STATUSES), n, p=PAST_WEIGHTS)
    codes = np.where(past, _codes(PAST_STATUSES)[past_code], _codes(FUTURE_STATUSES)[future_code])
    codes = np.where(running, EVENT_STATUSES.index("In Progress"), codes)
    status = pa.array(EVENT_STATUSES).take(pa.array(codes))
    cancelled = codes == EVENT_STATUSES.index("Cancelled")
    created = np.minimum(start - rng.integers(10, 90, n) * US_PER_DAY, now - US_PER_DAY)
    updated = created + ((now - created) * rng.random(n)).astype(np.int64)
    updated[::5] = now - rng.integers(US_PER_MIN, US_PER_DAY // 2, len(updated[::5]))
    org_idx = rng.integers(0, orgs.n, n)
    place = pick(rng, V.CITIES, n)
    frame = Frame("event", {
        "event_id": padded_ids("E", i + 1, 7),
        "salesforce_id": salesforce_ids("a0S", i),
        "name": join(etype, " - ", place, padded_ids(" #", i + 1, 1)),
        "event_type": etype,
        "status": status,
        "start_time": timestamps(start),
        "end_time": timestamps(end),
        "capacity": pa.array(np.zeros(n, dtype=np.int64)),
        "registered_count": pa.array(np.zeros(n, dtype=np.int64)),
        "attended_count": pa.array(np.zeros(n, dtype=np.int64)),
        "organization_id": null_out(orgs.columns["organization_id"].take(pa.array(org_idx)),
                                    rng.random(n) < 0.2),  # fmt: skip
        "school_id": null_out(schools.columns["school_id"].take(
            pa.array(rng.integers(0, schools.n, n))), rng.random(n) < 0.3),  # fmt: skip
        "cancellation_reason": null_out(pick(rng, V.CANCEL_REASONS, n), ~cancelled),
        "postal_code": null_out(postal_codes(rng, n), rng.random(n) < 0.4),
        "virtual_url": null_out(join("https://meet.vms-kc.org/e/", padded_ids("", i + 1, 7)),
                                rng.random(n) < 0.7),  # fmt: skip
        "created_at": timestamps(created),
        "updated_at": timestamps(np.minimum(updated, now - US_PER_MIN)),
    }, rng)  # fmt: skip
    frame.columns["settings"] = settings(frame.valid("virtual_url"))  # after every draw
    return frame


def settings(virtual: np.ndarray) -> pa.Array:
    """The event's settings as JSON text (rule event.settings.json), from its other columns."""
    modes = np.where(virtual, '{"mode": "virtual", "reminders": true}', '{"mode": "in person"}')
    return pa.array(modes.tolist(), pa.string())


def participations(n: int, ev: Frame, vol: Frame, rng: np.random.Generator, now: int) -> Frame:
    """Participations; also fills the events' capacity, registered and attended counts."""
    i = np.arange(n)
    event_idx = np.sort(rng.integers(0, ev.n, n))
    slot = i - np.searchsorted(event_idx, event_idx, side="left")
    eligible = np.flatnonzero(~np.asarray(pc.equal(vol.columns["status"], "Do Not Contact")))
    offset = rng.integers(0, len(eligible), ev.n)
    vol_idx = eligible[(offset[event_idx] + slot) % len(eligible)]
    ev_code = _status_codes(ev.columns["status"])[event_idx]
    u = rng.random(n)
    code = np.where(u < 0.85, REG, np.where(u < 0.9, WAIT, CANC))
    done = np.where(u < 0.75, ATT, np.where(u < 0.9, NOSHOW, CANC))
    code = np.where(ev_code == EVENT_STATUSES.index("Completed"), done, code)
    running = ev_code == EVENT_STATUSES.index("In Progress")
    code = np.where(running & (u < 0.5), ATT, code)
    code = np.where(ev_code == EVENT_STATUSES.index("Cancelled"), CANC, code)
    start, created = ev.num("start_time")[event_idx], ev.num("created_at")[event_idx]
    latest = np.minimum(start - 60 * US_PER_MIN, now - US_PER_MIN)
    registered = created + ((latest - created) * rng.random(n)).astype(np.int64)
    registered = registered // 1_000_000 * 1_000_000
    attended = code == ATT
    checkin = start - rng.integers(0, 30, n) * US_PER_MIN
    hours = np.where(attended, rng.integers(2, 17, n) / 2, 0.0)
    updated = np.minimum(np.maximum(registered, checkin) + rng.integers(0, 5, n) * US_PER_DAY,
                         now - US_PER_MIN)  # fmt: skip
    updated[::5] = now - rng.integers(US_PER_MIN, US_PER_DAY // 2, len(updated[::5]))
    _fill_event_counts(ev, event_idx, code, rng)
    return Frame("participation", {
        "participation_id": padded_ids("P", i + 1, 9),
        "salesforce_id": salesforce_ids("a0P", i, short_every=13),
        "event_id": ev.columns["event_id"].take(pa.array(event_idx)),
        "volunteer_id": vol.columns["volunteer_id"].take(pa.array(vol_idx)),
        "status": pa.array(PART_STATUSES).take(pa.array(code)),
        "role": null_out(pick(rng, V.PARTICIPANT_ROLES, n), rng.random(n) < 0.3),
        "hours": null_out(pa.array(hours), ~attended & (rng.random(n) < 0.5)),
        "registered_at": timestamps(registered),
        "registration_number": pa.array(_registration_numbers(vol_idx, registered)),
        "checked_in_at": null_out(timestamps(checkin), ~attended),
        "updated_at": timestamps(np.maximum(updated, registered)),
    }, rng)  # fmt: skip


def _registration_numbers(vol_idx: np.ndarray, registered: np.ndarray) -> np.ndarray:
    """The volunteer's 1st, 2nd... registration, in order of ``registered_at`` then the key
    (rule participation.registration_number_grows). Draws nothing: other columns stay as
    they were."""
    order = np.lexsort((np.arange(len(vol_idx)), registered, vol_idx))
    group_start = np.r_[True, vol_idx[order][1:] != vol_idx[order][:-1]]
    position = np.arange(len(order)) - np.maximum.accumulate(
        np.where(group_start, np.arange(len(order)), 0)
    )
    out = np.empty(len(order), dtype=np.int64)
    out[order] = position + 1
    return out


def _fill_event_counts(
    ev: Frame, event_idx: np.ndarray, code: np.ndarray, rng: np.random.Generator
) -> None:
    registered = np.bincount(event_idx[code != CANC], minlength=ev.n)
    attended = np.bincount(event_idx[code == ATT], minlength=ev.n)
    ev.columns["registered_count"] = pa.array(registered.astype(np.int64))
    ev.columns["attended_count"] = pa.array(attended.astype(np.int64))
    capacity = np.maximum(1, registered + rng.integers(0, 16, ev.n))
    ev.columns["capacity"] = pa.array(capacity.astype(np.int64))


def _status_codes(status: pa.Array) -> np.ndarray:
    return np.asarray(pc.index_in(status, pa.array(EVENT_STATUSES)).to_numpy(zero_copy_only=False))


def previous_statuses(
    status: np.ndarray, allowed: dict[str, list[str]], rng: np.random.Generator
) -> np.ndarray:
    """For each current status, a status it may legally have come from (or itself)."""
    out = status.astype(object)
    for new in np.unique(status):
        olds = [old for old, targets in allowed.items() if new in targets] + [str(new)]
        rows = np.flatnonzero(status == new)
        out[rows] = np.asarray(olds)[rng.integers(0, len(olds), len(rows))]
    return out
