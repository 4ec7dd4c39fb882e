"""Execution of compiled checks: backends, planning, failure files (see docs/engine.md).

``duckdb_backend.DuckDBBackend`` runs checks over snapshots, ``sql_backend.SqlBackend``
inside a SQL database; ``planner.push`` decides which checks go where. These modules import
duckdb, pyarrow and SQLAlchemy, so import them where used.
"""
