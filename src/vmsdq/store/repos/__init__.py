"""Repositories of the results database, each bound to one tenant's project."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from vmsdq.store.scope import Scope

if TYPE_CHECKING:
    from vmsdq.store.db import Database
    from vmsdq.store.repos.alerts import AlertRepository
    from vmsdq.store.repos.anomalies import AnomalyRepository
    from vmsdq.store.repos.audit import AuditRepository
    from vmsdq.store.repos.changes import ChangeRepository
    from vmsdq.store.repos.history import HistoryRepository
    from vmsdq.store.repos.results import ResultRepository
    from vmsdq.store.repos.runs import RunRepository
    from vmsdq.store.repos.scores import ScoreRepository
    from vmsdq.store.repos.settings import SettingsRepository
    from vmsdq.store.repos.steps import StepRepository
    from vmsdq.store.repos.tokens import TokenRepository
    from vmsdq.store.repos.users import UserRepository
    from vmsdq.store.repos.webhooks import WebhookRepository


class Repositories:
    """Every repository of one scope: ``repos.runs``, ``repos.results``, ``repos.scores``..."""

    def __init__(self, db: Database, tenant: str, project: str) -> None:
        self.db = db
        self.scope = Scope(tenant, project)

    @cached_property
    def runs(self) -> RunRepository:
        from vmsdq.store.repos.runs import RunRepository

        return RunRepository(self.db, self.scope)

    @cached_property
    def steps(self) -> StepRepository:
        from vmsdq.store.repos.steps import StepRepository

        return StepRepository(self.db, self.scope)

    @cached_property
    def results(self) -> ResultRepository:
        from vmsdq.store.repos.results import ResultRepository

        return ResultRepository(self.db, self.scope)

    @cached_property
    def scores(self) -> ScoreRepository:
        from vmsdq.store.repos.scores import ScoreRepository

        return ScoreRepository(self.db, self.scope)

    @cached_property
    def settings(self) -> SettingsRepository:
        from vmsdq.store.repos.settings import SettingsRepository

        return SettingsRepository(self.db, self.scope)

    @cached_property
    def anomalies(self) -> AnomalyRepository:
        from vmsdq.store.repos.anomalies import AnomalyRepository

        return AnomalyRepository(self.db, self.scope)

    @cached_property
    def history(self) -> HistoryRepository:
        from vmsdq.store.repos.history import HistoryRepository

        return HistoryRepository(self.db, self.scope)

    @cached_property
    def changes(self) -> ChangeRepository:
        from vmsdq.store.repos.changes import ChangeRepository

        return ChangeRepository(self.db, self.scope)

    @cached_property
    def alerts(self) -> AlertRepository:
        from vmsdq.store.repos.alerts import AlertRepository

        return AlertRepository(self.db, self.scope)

    @cached_property
    def webhooks(self) -> WebhookRepository:
        from vmsdq.store.repos.webhooks import WebhookRepository

        return WebhookRepository(self.db, self.scope)

    @cached_property
    def audit(self) -> AuditRepository:
        from vmsdq.store.repos.audit import AuditRepository

        return AuditRepository(self.db, self.scope)

    @cached_property
    def users(self) -> UserRepository:
        """Accounts of every tenant (usernames are global); services filter by tenant."""
        from vmsdq.store.repos.users import UserRepository

        return UserRepository(self.db)

    @cached_property
    def tokens(self) -> TokenRepository:
        from vmsdq.store.repos.tokens import TokenRepository

        return TokenRepository(self.db)
