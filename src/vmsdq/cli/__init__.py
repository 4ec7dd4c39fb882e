"""The ``vmsdq`` command line. Each command group lives in its own module and registers here."""

from __future__ import annotations

import gc

import click

from vmsdq import __version__

# A command allocates mostly long-lived objects (modules, models, SQLGlot trees, results):
# at CPython's default (700, 10, 10) the collector rescans them hundreds of times, ~0.3 s of
# a 1,000-rule validate (issue #15 item 11). Set on import, before the commands' imports;
# cyclic garbage is still collected, less often.
GC_THRESHOLDS = (50_000, 20, 100)
gc.set_threshold(*GC_THRESHOLDS)


@click.group()
@click.version_option(__version__, prog_name="vmsdq")
def main() -> None:
    """vmsdq: validate, score and reconcile VMS and Salesforce data."""


def _register() -> None:
    # One import per command module; each module attaches its commands to ``main``.
    from vmsdq.cli import (
        analytics_cmds,  # noqa: F401
        core,  # noqa: F401
        db_cmds,  # noqa: F401
        jobs_cmds,  # noqa: F401
        report_cmds,  # noqa: F401
        runs_cmds,  # noqa: F401
        security_cmds,  # noqa: F401
        serve_cmds,  # noqa: F401
        spec_cmds,  # noqa: F401
    )


_register()
