"""Reconciliation: counts and record-level diff between mirrored systems (VMS <-> Salesforce).

How a runner uses it, per entity with a ``mirror:``:

1. ``compile_reconciliation(entity)`` -> ``[<entity>__reconcile, <entity>__mirror]`` compiled
   entities; validate them with the other compiled entities in the same DuckDB run.
2. Snapshots: ``<entity>__mirror`` = the other system read with ``mirror_entity(entity)``
   (their field names); ``<entity>__reconcile`` and ``<entity>`` = our rows (same snapshot).
3. Fold the results of both into ``<entity>`` (rules are named ``{entity}.reconcile.*``).
"""

from vmsdq.reconcile.compile import (
    MIRROR_SUFFIX,
    RECONCILE_SUFFIX,
    compile_reconciliation,
    mirror_entity,
)
from vmsdq.reconcile.mapping import mapped_fields, tolerance

__all__ = [
    "MIRROR_SUFFIX",
    "RECONCILE_SUFFIX",
    "compile_reconciliation",
    "mapped_fields",
    "mirror_entity",
    "tolerance",
]
