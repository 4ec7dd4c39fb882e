"""The ``vmsdq`` command line. Each command group lives in its own module, imported only when
one of its commands is invoked (or listed by ``--help``)."""

from __future__ import annotations

import gc
import importlib

import click

from vmsdq import __version__

# A command allocates mostly long-lived objects (modules, models, SQLGlot trees, results):
# at CPython's default (700, 10, 10) the collector rescans them hundreds of times, ~0.3 s of
# a 1,000-rule validate (issue #15 item 11). Set on import, before the commands' imports;
# cyclic garbage is still collected, less often.
GC_THRESHOLDS = (50_000, 20, 100)
gc.set_threshold(*GC_THRESHOLDS)

MODULES = {  # module of vmsdq.cli -> the top-level commands it attaches to ``main``
    "analytics_cmds": ("anomalies", "explain", "history", "score", "settings", "trends"),
    "core": ("demo", "failures", "show", "validate"),
    "db_cmds": ("db",),
    "jobs_cmds": ("beat", "gc", "worker"),
    "report_cmds": ("alerts", "report"),
    "runs_cmds": ("runs",),
    "security_cmds": ("audit", "keys", "tokens", "users"),
    "serve_cmds": ("serve",),
    "spec_cmds": ("check", "init", "schema"),
}
COMMANDS = {command: module for module, names in MODULES.items() for command in names}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use: ``vmsdq validate`` never imports
    the web app's, the workers' or the reports' command modules (start-up, issue #9)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | COMMANDS.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"vmsdq.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="vmsdq")
def main() -> None:
    """vmsdq: validate, score and reconcile VMS and Salesforce data."""


def load_all() -> None:
    """Import every command module (for code that walks ``main.commands``)."""
    for module in MODULES:
        importlib.import_module(f"vmsdq.cli.{module}")
