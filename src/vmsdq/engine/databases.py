"""Capabilities of the SQL databases checks can be pushed down to, by SQLAlchemy backend name.

Adding a database (a warehouse, Spark SQL) is one capabilities object registered here or
from its own module with ``register_database``; the SQL backend and the planner read only
the flags.
"""

from __future__ import annotations

from vmsdq.engine.backend import Capabilities

# Functions proven to give DuckDB's results in every database here (the parity suite runs
# each one): what the built-in rules compile to, and common scalar functions. Anything else
# (greatest, round, strftime, regexp_extract, current_date...) keeps its check in DuckDB.
COMMON_FUNCTIONS = frozenset(
    {"Coalesce", "Count", "Sum", "Min", "Max", "Length", "Lower", "Upper", "Trim", "Abs",
     "Nullif", "Year", "Month", "Day"}
)  # fmt: skip

# Dates and timestamps cast to text as DuckDB writes them whatever the server's DateStyle.
# SQLGlot writes date_diff as DuckDB counts (boundaries crossed), and concat skips NULLs.
POSTGRESQL = Capabilities(
    dialect="postgres",
    functions=COMMON_FUNCTIONS | {"DateDiff", "Concat", "Replace"},
    session=("SET TIME ZONE 'UTC'", "SET DateStyle = 'ISO, MDY'"),
)

# MariaDB's PCRE disagrees with RE2 on classes and escapes: regex checks stay in DuckDB (the
# blank test is written without one). No COUNT(*) FILTER, no epoch function SQLGlot writes.
# Text compares as DuckDB does, byte for byte with trailing spaces kept: casts to CHAR take
# the connection's collation, set here (the default utf8mb4_general_ci finds 'Active',
# 'active' and 'Active ' equal). A cast to DATETIME drops fractions unless it says (6).
# SQLGlot writes date_diff('year', a, b) as DATEDIFF(b, a), a count of days; and MariaDB
# 10.11 finds REPLACE(x, '@', '') = x true for x = 'a@x.org' when x is a cast: neither
# goes down. (The blank test's REPLACE is compared with '' only, which is exact.)
MARIADB = Capabilities(
    dialect="mysql",
    functions=COMMON_FUNCTIONS,
    supports_regex=False,
    supports_aggregate_filter=False,
    supports_epoch=False,
    timestamp_precision=6,
    session=(
        "SET time_zone = '+00:00'",
        "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin",
        "SET sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')",  # '\\t' is a tab
    ),
)

# A MySQL URL may point at MariaDB (SQLAlchemy names both "mysql"). A MySQL 8 server has no
# utf8mb4_nopad_bin: the session statement fails there and entities are read from rows.
_DATABASES: dict[str, Capabilities] = {
    "postgresql": POSTGRESQL,
    "mariadb": MARIADB,
    "mysql": MARIADB,
}


def register_database(backend: str, capabilities: Capabilities) -> None:
    """Let checks be pushed down to databases of SQLAlchemy backend name ``backend``."""
    _DATABASES[backend] = capabilities


def database_capabilities(backend: str) -> Capabilities | None:
    """The registered capabilities of a SQLAlchemy backend name, or None (no pushdown)."""
    return _DATABASES.get(backend)
