"""Stored scores of runs: one set per label ("as run", "rescored under config vN")."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import delete, func, select

from vmsdq.core.errors import NotFoundError
from vmsdq.store.models import Run, ScoreRowModel
from vmsdq.store.records import ScoreRow
from vmsdq.store.repos.base import Repository

FIELDS = tuple(f.name for f in fields(ScoreRow))  # flat values: no deep copy as asdict makes


class ScoreRepository(Repository):
    def replace(self, run_id: str, label: str, rows: list[ScoreRow]) -> None:
        """Replace the run's scores labelled ``label`` (idempotent); other labels stay."""
        m = ScoreRowModel
        with self.session() as s:
            if s.scalar(select(Run.id).where(Run.id == run_id)) is None:
                raise NotFoundError(f"run '{run_id}' is not in the results database")
            s.execute(
                delete(m)
                .where(m.run_id == run_id, m.label == label)
                .execution_options(synchronize_session=False)
            )
            top = s.scalar(select(func.max(m.position)).where(m.run_id == run_id))
            start = 0 if top is None else top + 1
            values = []
            for i, row in enumerate(rows):
                score = ScoreRow.coerce(row)
                values.append(
                    {"run_id": run_id, "position": start + i}
                    | {name: getattr(score, name) for name in FIELDS}
                )
            self.insert(s, m, values)

    def list(self, run_id: str, label: str | None = None) -> list[ScoreRow]:
        """The run's scores in the order they were saved (all labels, or one)."""
        m = ScoreRowModel
        query = select(m).where(m.run_id == run_id)
        if label is not None:
            query = query.where(m.label == label)
        with self.session() as s:
            return [_score(row) for row in s.scalars(query.order_by(m.position))]


def _score(row: ScoreRowModel) -> ScoreRow:
    return ScoreRow(
        level=row.level,
        score=row.score,
        weight=row.weight,
        entity=row.entity,
        dimension=row.dimension,
        rule=row.rule,
        band=row.band,
        config_version=row.config_version,
        label=row.label,
    )
