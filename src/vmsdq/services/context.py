"""What every use case runs in: tenant, project, actor, repositories, artifacts, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vmsdq.core.errors import PermissionDeniedError
from vmsdq.spec.models import Project
from vmsdq.store.artifacts import ArtifactStore
from vmsdq.store.db import Database, resolve_url
from vmsdq.store.repos import Repositories

ROLES = ("viewer", "steward", "admin")  # each role may do what the ones before it may
PERMISSIONS = {  # permission -> least role that holds it
    "read": "viewer",
    "read_rows": "steward",  # row-level (personal) data: failing rows, exports
    "run": "steward",
    "edit_rules": "steward",
    "settings": "admin",
    "admin": "admin",
}


@dataclass(frozen=True)
class Actor:
    """Who is calling: a person, a token or the local command line.

    ``tenant`` is the tenant an account or token belongs to (None: the local machine, which
    may act for the tenant of any project it opens); ``origin`` says from where (an IP
    address, ``cli``, ``worker``) for the audit log.
    """

    name: str
    role: str = "admin"
    tenant: str | None = None
    origin: str = "local"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role '{self.role}' is not one of: {', '.join(ROLES)}")

    def may(self, permission: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(PERMISSIONS[permission])

    def member_of(self, tenant: str) -> bool:
        return self.tenant is None or self.tenant == tenant


LOCAL = Actor("local", "admin")  # the command line on the project's own machine


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    project: Project
    db: Database
    artifacts: ArtifactStore
    actor: Actor = LOCAL
    clock: Callable[[], datetime] = utc_now
    tenant: str = ""
    scratch: bool = False  # runs kept in memory only (``validate --no-store``)
    settings_db: Database | None = None  # scratch: where the settings in force are read
    repos: Repositories = field(init=False)

    def __post_init__(self) -> None:
        self.tenant = self.tenant or self.project.spec.tenant
        self.repos = Repositories(self.db, self.tenant, self.project.spec.name)

    @property
    def settings_repos(self) -> Repositories | None:
        """The repositories holding the settings in force (None: only ``vmsdq.yaml``)."""
        if not self.scratch:
            return self.repos
        if self.settings_db is None:
            return None
        return Repositories(self.settings_db, self.tenant, self.project.spec.name)

    def require(self, permission: str) -> None:
        """PermissionDeniedError unless the actor belongs to this tenant and holds
        ``permission``: the one policy of the CLI, the API, the pages and the workers."""
        if not self.actor.member_of(self.tenant):
            raise PermissionDeniedError(f"{self.actor.name} belongs to another tenant")
        if not self.actor.may(permission):
            raise PermissionDeniedError(
                f"{self.actor.name} ({self.actor.role}) may not {permission.replace('_', ' ')}"
            )


def store_url(project: Project) -> str:
    """The results database of a project (``$VMSDQ_DATABASE_URL`` wins over ``store.url``)."""
    return resolve_url(project.spec.store.url, Path(project.root)).render_as_string(
        hide_password=False
    )


def artifacts_of(project: Project) -> ArtifactStore:
    return ArtifactStore(Path(project.root) / project.spec.store.artifacts)


def open_context(
    project: Project | Path | str,
    *,
    actor: Actor = LOCAL,
    clock: Callable[[], datetime] = utc_now,
) -> Context:
    """The context of a project folder (or loaded project) over its results database."""
    loaded = project if isinstance(project, Project) else load(project)
    db = Database.connect(store_url(loaded))
    return Context(project=loaded, db=db, artifacts=artifacts_of(loaded), actor=actor, clock=clock)


def scratch_context(project: Project, *, clock: Callable[[], datetime] = utc_now) -> Context:
    """A context whose runs are kept in memory only (``validate --no-store``); the settings
    in force are still read, never written, from the project's results database."""
    url = resolve_url(project.spec.store.url, Path(project.root))
    settings_db = None
    if url.get_backend_name() != "sqlite" or Path(str(url.database)).is_file():
        settings_db = Database.connect(url)
    return Context(
        project=project,
        db=Database.connect("sqlite://"),
        artifacts=artifacts_of(project),
        clock=clock,
        scratch=True,
        settings_db=settings_db,
    )


def load(project_dir: Path | str) -> Project:
    from vmsdq.spec.loader import load_project

    return load_project(project_dir)
