"""compose.yaml, the deployment reference: well-formed, and true to the code it starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.services import jobconfig
from vmsdq.store import db

COMPOSE = Path(__file__).parents[3] / "compose.yaml"


def services() -> dict[str, Any]:
    parsed = yaml.safe_load(COMPOSE.read_text())
    assert set(parsed) == {"x-vmsdq", "services", "volumes"}
    found: dict[str, Any] = parsed["services"]
    return found


def test_every_part_of_a_deployment_is_there() -> None:
    found = services()
    assert set(found) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name, service in found.items():
        assert "image" in service, name
        for needed in service.get("depends_on", {}):
            assert needed in found, f"{name} depends on unknown {needed}"
    volumes = set(yaml.safe_load(COMPOSE.read_text())["volumes"])
    for service in found.values():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert source.startswith("./") or source in volumes, mount


def test_vmsdq_commands_exist_with_those_options() -> None:
    for name in ("migrate", "worker", "beat"):
        command = services()[name]["command"]
        assert command[0] == "vmsdq"
        words = [w for w in command[1:] if not w.startswith("-") and not w.startswith("/")]
        words = [w for w in words if not w.isdigit()]
        done = CliRunner().invoke(main, [*words, "--help"])
        assert done.exit_code == 0, (name, done.output)
        for option in (w for w in command if w.startswith("--")):
            assert option in done.output, (name, option)


def test_settings_come_from_variables_the_code_reads_and_no_secret_is_inline() -> None:
    known = {jobconfig.ENV_BROKER, jobconfig.ENV_CACHE, jobconfig.ENV_BACKEND, db.ENV_URL}
    known |= {env for env, _ in db.POOL_ENV.values()}
    for service in services().values():
        for key, value in (service.get("environment") or {}).items():
            if key.startswith("VMSDQ_"):
                assert key in known, key
            if "PASSWORD" in key or re.search(r"://[^:/]+:[^@$]+@", str(value)):
                assert "${POSTGRES_PASSWORD" in str(value), (key, value)
