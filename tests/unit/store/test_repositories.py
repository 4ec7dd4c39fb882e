"""The results database on SQLite: runs, steps, results, scores, settings, scoping, pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vmsdq.core.errors import ConflictError, NotFoundError
from vmsdq.core.history import Anomaly
from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.store import Database, Repositories, ScoreRow, StoreUnavailableError, resolve_url
from vmsdq.store.models import EntityResultRow, RuleResultRow

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def rule(name: str, evaluated: int, failed: int, **kw: object) -> RuleResult:
    sev = kw.pop("severity", Severity.error)
    return RuleResult(
        rule=name,
        entity=name.split(".")[0],
        kind=str(kw.pop("kind", name.rsplit(".", 1)[-1])),
        dimension=Dimension.validity,
        severity=sev,  # type: ignore[arg-type]
        weight=1.5,
        evaluated=evaluated,
        failed=failed,
        outcome=kw.pop("outcome", Outcome.failed if failed else Outcome.passed),  # type: ignore[arg-type]
        observed=kw.pop("observed", None),  # type: ignore[arg-type]
    )


def volunteer() -> EntityResult:
    return EntityResult(
        entity="volunteer",
        rows=100,
        rules=[
            rule("volunteer.email.format", 90, 3, severity=Severity.warning, outcome=Outcome.warn),
            rule("volunteer.row_count", 1, 0, kind="row_count", observed=100.0),
            rule("volunteer.id.required", 100, 2, severity=Severity.critical),
        ],
        location="data/volunteers.csv",
        rejected=2,
        seconds=0.25,
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    found = Database.connect(f"sqlite:///{tmp_path / 'r.db'}")
    yield found
    Database.close_all()


def stored(repos: Repositories, run_id: str, started: datetime = T0) -> None:
    steps = [{"kind": "validate", "name": "volunteer", "rules_total": 3}]
    repos.runs.create(run_id, started, {"entities": ["volunteer"]}, steps)
    repos.results.save_entity(run_id, 0, volunteer())
    repos.results.save_entity(run_id, 1, EntityResult("event", 0, status="error", message="gone"))
    repos.runs.refresh_counts(run_id)


def test_default_url_is_a_sqlite_file_in_the_project_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMSDQ_DATABASE_URL", raising=False)
    assert resolve_url(None, tmp_path).database == str(tmp_path / ".vmsdq" / "results.db")
    assert resolve_url("sqlite:///state/r.db", tmp_path).database == str(
        tmp_path / "state" / "r.db"
    )
    monkeypatch.setenv("VMSDQ_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert resolve_url("sqlite:///state/r.db", tmp_path).database == str(tmp_path / "env.db")


def test_one_database_object_per_url_per_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    assert Database.connect(url) is Database.connect(url)
    Database.close_all()


def test_a_run_round_trips_and_saving_an_entity_again_replaces_it(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    stored(repos, "r1")
    run = repos.runs.get("r1")
    assert run is not None and run.status == "queued"
    assert [e.entity for e in run.entities] == ["volunteer", "event"]
    assert run.entities[0] == volunteer()
    repos.results.save_entity("r1", 0, volunteer())  # a repeated validate phase
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RuleResultRow)) == 3
        assert s.scalar(select(func.count()).select_from(EntityResultRow)) == 2
    summary = repos.runs.summary("r1")
    assert summary is not None
    assert (summary.entity_count, summary.rule_count, summary.failed_rule_count) == (2, 3, 1)


def test_starting_twice_is_harmless_and_an_id_of_another_tenant_is_a_conflict(
    db: Database,
) -> None:
    acme = Repositories(db, "acme", "vms")
    assert acme.runs.create("r1", T0, {}, []) is True
    assert acme.runs.create("r1", T0, {}, []) is False
    with pytest.raises(ConflictError, match="run id 'r1' is already taken"):
        Repositories(db, "globex", "vms").runs.create("r1", T0, {}, [])


def test_two_tenants_and_two_projects_never_see_each_other(db: Database) -> None:
    scopes = [Repositories(db, t, p) for t in ("acme", "globex") for p in ("vms", "crm")]
    for i, repos in enumerate(scopes):
        stored(repos, f"r{i}", T0 + timedelta(days=i))
        repos.scores.replace(f"r{i}", "as run", [ScoreRow("overall", 50.0 + i)])
        repos.settings.add({"n": i}, "digest", f"v of {i}", T0)
        repos.anomalies.replace(f"r{i}", [_anomaly(f"r{i}")])
    for i, repos in enumerate(scopes):
        mine = f"r{i}"
        assert [r.run_id for r in repos.runs.page().items] == [mine]
        assert repos.runs.get(mine) is not None
        others = [f"r{j}" for j in range(4) if j != i]
        assert all(repos.runs.get(o) is None and repos.runs.summary(o) is None for o in others)
        assert all(repos.results.rules(o).items == [] for o in others)
        assert all(repos.scores.list(o) == [] for o in others)
        assert [c.settings for c in repos.settings.list()] == [{"n": i}]
        assert [a.run_id for a in repos.anomalies.list()] == [mine]
        assert {h.run_id for h in repos.results.rule_history()} == {mine}
        with pytest.raises(NotFoundError):
            repos.scores.replace(others[0], "as run", [])
        repos.runs.delete(others[0])  # deleting someone else's run does nothing
    assert all(Repositories(db, t, p).runs.page().items for t in ("acme", "globex")
               for p in ("vms", "crm"))  # fmt: skip


def _anomaly(run_id: str) -> Anomaly:
    return Anomaly(run_id, T0, "overall_score", None, None, None, 50.0, 80.0, -5.0, "spike", 3.5)


def test_runs_page_newest_first_with_filters_and_a_cursor(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    for day in range(5):
        stored(repos, f"r{day}", T0 + timedelta(days=day))
    repos.runs.set_status("r4", "completed", T0)
    first = repos.runs.page(limit=2)
    assert [r.run_id for r in first.items] == ["r4", "r3"] and first.next_cursor
    second = repos.runs.page(limit=2, cursor=first.next_cursor)
    assert [r.run_id for r in second.items] == ["r2", "r1"]
    third = repos.runs.page(limit=2, cursor=second.next_cursor)
    assert [r.run_id for r in third.items] == ["r0"] and third.next_cursor is None
    assert [r.run_id for r in repos.runs.page(status="completed").items] == ["r4"]
    window = repos.runs.page(since=T0 + timedelta(days=1), until=T0 + timedelta(days=3))
    assert [r.run_id for r in window.items] == ["r2", "r1"]


def test_rule_results_filter_search_and_page(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    stored(repos, "r1")
    page = repos.results.rules("r1", limit=2)
    assert [r.rule for r in page.items] == ["volunteer.email.format", "volunteer.row_count"]
    rest = repos.results.rules("r1", limit=2, cursor=page.next_cursor)
    assert [r.rule for r in rest.items] == ["volunteer.id.required"] and rest.next_cursor is None
    assert [r.rule for r in repos.results.rules("r1", outcome="warn").items] == [
        "volunteer.email.format"
    ]
    assert [r.rule for r in repos.results.rules("r1", search="row_").items] == [
        "volunteer.row_count"
    ]


def test_rule_history_with_a_limit_keeps_the_newest(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    for day in range(4):
        stored(repos, f"r{day}", T0 + timedelta(days=day))
    rows = repos.results.rule_history(rule="volunteer.email.format", limit=2)
    assert [h.run_id for h in rows] == ["r2", "r3"]  # newest two, oldest first


def test_scores_are_replaced_per_label(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    stored(repos, "r1")
    repos.scores.replace("r1", "as run", [ScoreRow("overall", 80.0, label="as run")])
    repos.scores.replace("r1", "rescored", [ScoreRow("overall", 70.0, label="rescored")])
    repos.scores.replace("r1", "as run", [ScoreRow("overall", 81.0, label="as run")])
    assert [(r.label, r.score) for r in repos.scores.list("r1")] == [
        ("rescored", 70.0),
        ("as run", 81.0),
    ]
    with pytest.raises(ValueError, match=r"unknown keys \['grade'\]"):
        repos.scores.replace("r1", "x", [{"level": "entity", "score": 1, "grade": "A"}])  # type: ignore[list-item]


def test_unreachable_database_error_hides_the_password() -> None:
    url = "postgresql+psycopg://vms:s3cret-pw@127.0.0.1:1/results"
    with pytest.raises(StoreUnavailableError) as err:
        Database.connect(url)
    message = str(err.value)
    assert "s3cret-pw" not in message
    assert message.startswith("results database postgresql+psycopg://vms:***@127.0.0.1:1/results")


def test_rule_history_is_the_scope_s_finished_runs_and_the_newest_rows_agree(
    db: Database,
) -> None:
    scopes = [Repositories(db, t, "vms") for t in ("acme", "globex")]
    for n, repos in enumerate(scopes):
        for day in range(3):
            stored(repos, f"{repos.scope.tenant}{day}", T0 + timedelta(days=day))
            if day < 2:  # the newest run of each scope is still running
                repos.runs.set_status(
                    f"{repos.scope.tenant}{day}", "completed", T0, config_version=n
                )
    acme = scopes[0].history
    series = acme.rules()
    assert sorted(series) == [
        "volunteer.email.format",
        "volunteer.id.required",
        "volunteer.row_count",
    ]
    ids = {name: [p.run_id for p in pts] for name, pts in series.items()}
    assert set(map(tuple, ids.values())) == {("acme0", "acme1")}  # not globex's, not running
    email = series["volunteer.email.format"][0]
    assert (email.at, email.failed, email.evaluated, email.config_version) == (T0, 3, 90, 0)
    assert email.score == pytest.approx(100.0 * 87 / 90)  # warned: its pass rate
    assert series["volunteer.row_count"][0].score == 100.0  # passed
    assert acme.rules(limit=1000) == series  # the newest-rows path reads the same points
    assert acme.including("acme2").rules()["volunteer.row_count"][-1].run_id == "acme2"
    assert acme.rules(rule="volunteer.id.required") == {
        "volunteer.id.required": series["volunteer.id.required"]
    }


def test_varying_rules_are_the_rule_series_whose_failure_share_changes(db: Database) -> None:
    repos = Repositories(db, "acme", "vms")
    for day in range(4):
        run_id = f"r{day}"
        repos.runs.create(run_id, T0 + timedelta(days=day), {"entities": ["volunteer"]}, [])
        rules = [
            rule("volunteer.flat", 100, 2),  # the same share every run
            rule("volunteer.moves", 100, day),  # 0, 1, 2, 3 failing rows
            rule("volunteer.same_share", 50 * (day + 1), day + 1),  # 2 % of a growing count
            rule("volunteer.unevaluated", 0, 0),
        ]
        repos.results.save_entity(run_id, 0, EntityResult("volunteer", 100, rules=rules))
        repos.runs.set_status(run_id, "completed", T0)
    history = repos.history
    every = history.rules(since=T0)
    assert set(history.varying_rules(T0, 3)) == {"volunteer.moves"}
    assert history.varying_rules(T0, 3)["volunteer.moves"] == every["volunteer.moves"]
    assert history.varying_rules(T0, 4) == {}  # four points are not more than four
    assert history.varying_rules(T0 + timedelta(days=1), 2) == {
        "volunteer.moves": every["volunteer.moves"][1:]
    }
