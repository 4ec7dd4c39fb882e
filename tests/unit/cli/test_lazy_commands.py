"""The command table of the lazy ``vmsdq`` group names every command where it is defined."""

from __future__ import annotations

from click.testing import CliRunner

from vmsdq.cli import COMMANDS, load_all, main


def test_every_command_is_listed_with_the_module_that_defines_it() -> None:
    load_all()
    defined = {name: cmd.callback.__module__ for name, cmd in main.commands.items() if cmd.callback}
    assert defined == {name: f"vmsdq.cli.{module}" for name, module in COMMANDS.items()}


def test_help_lists_every_command_and_an_unknown_one_is_refused() -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["--help"])
    assert shown.exit_code == 0
    listed = {
        line.split()[0] for line in shown.output.split("Commands:")[1].splitlines() if line.strip()
    }
    assert listed == set(COMMANDS)
    wrong = runner.invoke(main, ["valdate"])
    assert wrong.exit_code == 2 and "No such command 'valdate'" in wrong.output
