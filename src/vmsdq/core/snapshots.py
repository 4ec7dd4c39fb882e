"""What a source read for one entity: the rows (Arrow or Parquet files) and rejected records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class RejectedRecord:
    """A record the source could not parse. Quarantined and reported, never dropped."""

    entity: str
    location: str  # file (or object) it came from
    line: int  # 1-based line in the file; 0 when not line-based
    error: str
    raw: str = ""


@dataclass
class Snapshot:
    """What a source read for one entity.

    Exactly one of ``table`` (Arrow, in memory or streaming) and ``parquet`` (files the
    engine scans directly) is set. ``location`` says where the rows came from, for errors.
    """

    entity: str
    location: str
    table: pa.Table | pa.RecordBatchReader | None = None
    parquet: list[str] = field(default_factory=list)
    rejects: list[RejectedRecord] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # query, watermark, read time, api calls
    previous: Snapshot | None = None  # the prior state, for transition rules
