"""The README: the two commands first, the exit codes listed, and every example command runs
as written from a checkout's root (after `make demo` made `demo/`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.cli.errors import EXIT, INCOMPLETE, INTERRUPTED, USAGE

README = Path(__file__).parents[3] / "README.md"
# Commands that serve, wait for a broker or simulate a month: their options are checked
# against the command's own, not run.
LONG_RUNNING = ("serve", "worker", "beat", "demo --history", "demo --salesforce-server")


def examples() -> list[str]:
    """Each `vmsdq ...` line of the README's sh blocks, without its comment."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    lines = [re.split(r"\s+#", line)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("vmsdq ")]


def test_the_two_commands_come_first() -> None:
    text = README.read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, flags=re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]
    assert text.index("## Two commands") < text.index("## Using it")


def test_the_exit_codes_are_listed_as_the_code_defines_them() -> None:
    text = README.read_text()
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", text, flags=re.M)}
    assert codes == {*EXIT.values(), USAGE, INCOMPLETE, INTERRUPTED}


def _command(args: list[str]) -> click.Command:
    command: click.Command = main
    for word in args:
        found = (
            command.get_command(click.Context(command), word)
            if isinstance(command, click.Group)
            else None
        )
        if found is not None:
            command = found
    return command


def test_long_running_examples_use_options_that_exist() -> None:
    for line in examples():
        if not any(line.startswith(f"vmsdq {word}") for word in LONG_RUNNING):
            continue
        args = shlex.split(line)[1:]
        known = {o for p in _command(args).params for o in (*p.opts, *p.secondary_opts)}
        used = {a for a in args if a.startswith("--")}
        assert used <= known, (line, used - known)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder standing for the repository root after `make demo` (a small demo/)."""
    root = tmp_path_factory.mktemp("checkout")
    result = CliRunner().invoke(
        main, ["demo", "--volunteers", "200", "--dir", str(root / "demo"), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    return root


def test_every_example_runs_as_written(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(checkout)
    failed = []
    for line in examples():
        if any(line.startswith(f"vmsdq {word}") for word in LONG_RUNNING):
            continue
        args = shlex.split(line)[1:]
        if "RUN" in args:
            runs = CliRunner().invoke(main, ["runs", "--project", "demo", "--format", "json"])
            assert runs.exit_code == 0, runs.output
            run_id = re.search(r'"run_id": "([^"]+)"', runs.output)
            assert run_id is not None
            args = [run_id.group(1) if a == "RUN" else a for a in args]
        result = CliRunner().invoke(main, args)
        verdict = args[0] == "validate" or args[:2] == ["runs", "resume"]
        allowed = (0, 1, 3) if verdict else (0,)  # these exit with the run's verdict
        if result.exit_code not in allowed or "Traceback" in result.output:
            failed.append((line, result.exit_code, result.output[-300:]))
    assert failed == []
