"""The escape corpus: SQL a hostile project file may put in any string that reaches SQL.

Each entry is refused by the sandbox, or (comments) accepted with the harmful part gone. The
sandbox tests run every entry against every SQL-bearing field of the spec models.
"""

from __future__ import annotations

DEEP = "(" * 10_000 + "1" + ")" * 10_000

ATTACKS = [
    "(SELECT content FROM read_text('/etc/passwd')) IS NOT NULL",
    "Name IN (SELECT content FROM read_text('/etc/passwd'))",
    "read_text('/etc/passwd') IS NULL",
    "read_csv('/etc/passwd') IS NULL",
    "read_csv_auto('/etc/passwd') IS NULL",
    "read_parquet('x.parquet') IS NULL",
    "Name IN (FROM read_text('/etc/passwd'))",
    "pg_read_file('/etc/passwd') = 'x'",
    "load_file('/etc/passwd') = 'x'",
    "query('SELECT 1') IS NULL",
    "glob('/*') IS NULL",
    "getenv('HOME') = 'x'",
    "EXISTS (SELECT 1)",
    "Name = 'a' UNION SELECT 1",
    "Name = 'a'; DROP TABLE t",
    "DROP TABLE t",
    "ATTACH '/tmp/x.db' AS x",
    "COPY t TO '/tmp/out.csv'",
    "PRAGMA version",
    "SET threads = 1",
    "INSTALL httpfs",
    "Name = ?",
    "Name = $1",
    "\uff52\uff45\uff41\uff44_text('/etc/passwd') IS NULL",  # fullwidth homoglyphs
    "Name = 'a' OR 1 = (SELECT count(*) FROM duckdb_settings())",
    DEEP,
]
