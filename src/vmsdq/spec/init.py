"""``vmsdq init``: copy a packaged rule pack (``vmsdq/packs/<pack>/``) into a new project, or
write a template (``blank``) or given files (``vmsdq init --from-data``, ``services.scaffold``)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from vmsdq.core.errors import ConfigError


def available_packs() -> list[str]:
    """Names of the packs shipped with vmsdq (folders holding a ``vmsdq.yaml``)."""
    packs = files("vmsdq") / "packs"
    if not packs.is_dir():
        return []
    return sorted(p.name for p in packs.iterdir() if (p / "vmsdq.yaml").is_file())


def init_project(target: Path, *, pack: str = "vms", force: bool = False) -> list[Path]:
    """Write the files of ``pack`` into ``target``.

    Args:
        target: the project folder; created when missing.
        pack: the packaged pack to copy (see ``available_packs()``).
        force: overwrite files that already exist.

    Returns:
        The files written, in order.

    Raises:
        ConfigError: unknown pack, or files exist and ``force`` is false (nothing is written).
    """
    if pack not in available_packs():
        known = ", ".join(available_packs()) or "none"
        raise ConfigError(f"unknown pack '{pack}' (available: {known})")
    contents = {
        rel: source.read_text(encoding="utf-8")
        for source, rel in _pack_files(files("vmsdq") / "packs" / pack)
    }
    return write_project(target, contents, force=force)


def templates() -> list[str]:
    """Names of the templates ``vmsdq init --template`` writes."""
    return sorted(TEMPLATES)


def init_template(target: Path, template: str, *, force: bool = False) -> list[Path]:
    """Write template ``template`` into ``target``; raises like ``init_project``."""
    if template not in TEMPLATES:
        raise ConfigError(f"unknown template '{template}' (available: {', '.join(templates())})")
    return write_project(target, TEMPLATES[template], force=force)


def write_project(target: Path, contents: dict[Path, str], *, force: bool = False) -> list[Path]:
    """Write ``contents`` (path relative to ``target`` -> text); nothing when a file exists
    and ``force`` is false (ConfigError naming them). Returns the files written, in order."""
    planned = [(target / rel, text) for rel, text in contents.items()]
    existing = [str(dest) for dest, _ in planned if dest.exists()]
    if existing and not force:
        shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise ConfigError(f"not overwriting existing files (use --force): {shown}")
    for dest, text in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    return [dest for dest, _ in planned]


def _pack_files(folder: Traversable, prefix: Path = Path()) -> list[tuple[Traversable, Path]]:
    found: list[tuple[Traversable, Path]] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.startswith((".", "__")) or item.name.endswith((".py", ".pyc")):
            continue
        if item.is_dir():
            found += _pack_files(item, prefix / item.name)
        else:
            found.append((item, prefix / item.name))
    return found


BLANK_PROJECT = """\
# A new vmsdq project. Entities are declared one per file in entities/; check the
# configuration with `vmsdq check`, run it with `vmsdq validate`.
# Any string here may read the environment: ${VAR}, or ${VAR:-default} when unset.
name: ${VMSDQ_PROJECT_NAME:-my-project}
sources:
  data: {type: files, path: data}  # CSV, Parquet or JSON files below data/
default_source: data
entities: ["entities/*.yaml"]
store:
  url: sqlite:///.vmsdq/results.db
  artifacts: .vmsdq/artifacts
"""

BLANK_ENTITY = """\
# One entity: a kind of record, its key, typed fields and rules (docs/rules.md).
entity: example
key: id
sources:
  data: {path: example.csv}
fields:
  id: {type: integer, required: true, unique: true}
  name: {required: true, length: 200}
  email: {format: email}
rules: []
"""

TEMPLATES: dict[str, dict[Path, str]] = {
    "blank": {Path("vmsdq.yaml"): BLANK_PROJECT, Path("entities/example.yaml"): BLANK_ENTITY},
}
