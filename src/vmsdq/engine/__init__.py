"""Execution of compiled checks: backends, planning, failure files.

Import ``vmsdq.engine.duckdb_backend`` for the DuckDB backend (it imports duckdb/pyarrow).
"""
