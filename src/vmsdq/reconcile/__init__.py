"""Reconciliation: counts and record-level diff between mirrored systems (VMS <-> Salesforce).

How a runner uses it, per entity with a ``mirror:``:

1. ``compile_reconciliation(entity)`` -> ``[<entity>__reconcile, <entity>__mirror]`` compiled
   entities; validate them with the other compiled entities in the same DuckDB run.
2. Snapshots: ``<entity>__mirror`` = the other system read with ``mirror_entity(entity)``
   (their field names); ``<entity>__reconcile`` and ``<entity>`` = our rows (same snapshot).
3. Fold the results of both into ``<entity>`` (rules are named ``{entity}.reconcile.*``).

Rules (``m`` = mirror rows after ``mirror.where``, our rows after its translation when every
column it names is mapped; rows joined on ``CAST(match_on AS VARCHAR) = their key``, for a
Salesforce mirror keyed on ``Id`` both in the 18-character case-safe form, see
:mod:`vmsdq.reconcile.salesforce_ids`). Mirror rows with ``IsDeleted`` true (the recycle bin)
are not live: never matched, compared, counted or missing in the VMS. Empty text is NULL.

- ``count`` (volume, table): observed = |ours - theirs| / max(theirs, 1); fails above
  ``count_tolerance`` (default 5 % people, 10 % organisations/schools/districts, else 5 %).
- ``missing_in_<system>`` (accuracy): evaluated = our rows with a present ``match_on``;
  fails when no live mirror row has that key. Failure key: our key; values: ``match_on``
  and ``<system>_record`` (``absent``, or ``deleted (in the recycle bin)``).
- ``missing_in_vms`` (accuracy): evaluated = mirror rows with a present key; fails when none of
  our rows holds it in ``match_on``. Failure key: their key.
- ``<field>`` (accuracy): evaluated = matched rows; fails when the normalised values are
  distinct (NULL-safe). Values: ``<system>_key``, ``vms_value``, ``<system>_value``.
  Normalisers apply in declared order to both sides (picklist ``values`` first, theirs only);
  non-string fields then compare typed (numbers as DOUBLE, dates, UTC timestamps).
"""

from vmsdq.reconcile.compile import (
    compile_reconciliation,
    mirror_entity,
)
from vmsdq.reconcile.mapping import mapped_fields, tolerance

__all__ = [
    "compile_reconciliation",
    "mapped_fields",
    "mirror_entity",
    "tolerance",
]
