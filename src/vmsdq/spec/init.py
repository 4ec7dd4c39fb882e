"""``vmsdq init``: copy a packaged rule pack (``vmsdq/packs/<pack>/``) into a new project."""

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
    planned = [
        (source, target / rel) for source, rel in _pack_files(files("vmsdq") / "packs" / pack)
    ]
    existing = [str(dest) for _, dest in planned if dest.exists()]
    if existing and not force:
        shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise ConfigError(f"not overwriting existing files (use --force): {shown}")
    for source, dest in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(source.read_bytes())
    return [dest for _, dest in planned]


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
