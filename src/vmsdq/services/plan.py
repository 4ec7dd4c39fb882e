"""What a run will do: each selected entity compiled (with its reconciliation checks) and the
views their checks read. Compiled projects are cached by a digest of their spec."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vmsdq.checks import compile_entity
from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import ConfigError, VmsdqError
from vmsdq.core.words import FieldType, ViewRef, ViewRole
from vmsdq.spec.models import Project

if TYPE_CHECKING:
    from vmsdq.services.context import Context


@dataclass(frozen=True)
class EntityPlan:
    """One entity of a run: its compiled checks (own first, then reconciliation), or why it
    does not compile, and the views those checks read."""

    entity: str
    compiled: tuple[CompiledEntity, ...] = ()
    error: str = ""
    views: tuple[ViewRef, ...] = ()

    @property
    def rules(self) -> int:
        """Rules of every compiled check (declared and reconciliation)."""
        return sum(len(c.checks) for c in self.compiled)

    @property
    def declared_rules(self) -> int:
        return len(self.compiled[0].checks) if self.compiled else 0


@dataclass(frozen=True)
class RunPlan:
    entities: tuple[EntityPlan, ...]
    reads: tuple[ViewRef, ...] = field(default=())  # views read from a source, in order

    def entity(self, name: str) -> EntityPlan:
        for plan in self.entities:
            if plan.entity == name:
                return plan
        raise ConfigError(f"entity '{name}' is not part of this run")


def typed_project(ctx: Context, types: Mapping[str, Mapping[str, str]]) -> Project:
    """The context's project with undeclared field types taken from a run's column types."""
    from vmsdq.spec.source_types import project_with_column_types

    typed = {e: {f: FieldType(t) for f, t in fields.items()} for e, fields in types.items()}
    return project_with_column_types(ctx.project, typed)


def select_entities(project: Project, names: Sequence[str] | None) -> list[str]:
    if not names:
        return list(project.entities)
    unknown = [n for n in names if n not in project.entities]
    if unknown:
        raise ConfigError(
            f"unknown entity {', '.join(map(repr, unknown))}; "
            f"the project declares: {', '.join(sorted(project.entities))}"
        )
    return list(dict.fromkeys(names))


LocalPart = Callable[[CompiledEntity], "CompiledEntity | None"]


def plan_run(
    project: Project, names: Sequence[str] | None, local_part: LocalPart | None = None
) -> RunPlan:
    """The plan of a run over ``names`` (default: every entity of the project).

    ``local_part`` says what DuckDB must run of an entity's own checks from its rows when
    the rest runs in the source's database (None: nothing, so its rows need not be read).
    """
    selected = select_entities(project, names)
    compiled = _compiled(project)
    plans = tuple(_entity_plan(project, name, compiled.get(name), local_part) for name in selected)
    reads: dict[ViewRef, None] = {}
    for plan in plans:
        for view in plan.views:
            if view.role in (ViewRole.own, ViewRole.mirror):
                reads[view] = None
    return RunPlan(plans, tuple(reads))


def _entity_plan(
    project: Project,
    name: str,
    compiled: tuple[CompiledEntity, ...] | str | None,
    local_part: LocalPart | None,
) -> EntityPlan:
    if isinstance(compiled, str) or compiled is None:
        return EntityPlan(name, error=compiled or f"entity '{name}' did not compile")
    return EntityPlan(name, compiled, views=views_read(project, local_parts(compiled, local_part)))


def local_parts(
    compiled: Sequence[CompiledEntity], local_part: LocalPart | None
) -> list[CompiledEntity]:
    """What runs in DuckDB: the own checks not pushed (if any), then reconciliation."""
    own, *helpers = compiled
    local = local_part(own) if local_part is not None else own
    return ([local] if local is not None else []) + helpers


_ARCHIVED = (ViewRole.previous, ViewRole.reference)  # not read from a source


def views_read(project: Project, compiled: Sequence[CompiledEntity]) -> tuple[ViewRef, ...]:
    """The views the checks of ``compiled`` read (own rows, mirror, targets)."""
    views: dict[ViewRef, None] = {}
    for entity in compiled:
        ref = ViewRef.parse(entity.name)
        views[ViewRef(ref.entity) if ref.role is ViewRole.reconcile else ref] = None
        for need in entity.needs:
            need_ref = ViewRef.parse(need)
            if need_ref.entity in project.entities and need_ref.role not in _ARCHIVED:
                views[need_ref] = None
    return tuple(views)


Compiled = dict[str, tuple[CompiledEntity, ...] | str]
_CACHE: dict[str, Compiled] = {}
CACHE_SIZE = 32


def _compiled(project: Project) -> Compiled:
    """Every entity compiled (or its error text), cached by the digest of the project's spec."""
    digest = _digest(project)
    found = _CACHE.get(digest)
    if found is None:
        found = _compile(project)
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[digest] = found
    return found


def _digest(project: Project) -> str:
    text = "\n".join(
        [project.spec.model_dump_json(), *(e.model_dump_json() for e in project.entities.values())]
        + [f"{k}={v}" for k, v in sorted(project.entity_files.items())]
        + [f"{k}={v}" for k, v in sorted(project.rule_locations.items())]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _compile(project: Project) -> Compiled:
    out: Compiled = {}
    reconcile = bool(project.spec.reconcile.get(project.spec.default_source))
    for name, entity in project.entities.items():
        try:
            own = compile_entity(
                entity,
                project.entities,
                source_file=project.entity_files.get(name, ""),
                rule_locations=project.rule_locations,
            )
        except VmsdqError as exc:
            out[name] = str(exc)
            continue
        helpers: list[CompiledEntity] = []
        if reconcile and entity.mirror is not None:
            from vmsdq.reconcile import compile_reconciliation

            helpers = compile_reconciliation(entity)
        out[name] = (own, *helpers)
    return out
