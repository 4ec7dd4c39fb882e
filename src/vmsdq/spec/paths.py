"""Data paths stay in the folders the project file names.

An entity of a ``files`` source reads below that source's folder (``sources.<s>.path`` of
``vmsdq.yaml``) or below a folder the source lists in ``allow:``. ``/etc/passwd``,
``../../x`` or a symbolic link leading elsewhere is refused: entity files may come from
people who must not read the server's files. Checked at ``vmsdq check`` on the pattern and
again at run time on every file it matches (links resolved).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def folders(root: str | Path, path: str, allow: Iterable[str] = ()) -> list[Path]:
    """The folders a files source may read: its own and those it allows (resolved)."""
    base = Path(root)
    return [(base / p).resolve() for p in (path, *allow)]


def outside(target: str | Path, allowed: Iterable[Path]) -> bool:
    """``target`` (a file, or a pattern's fixed part) is in none of ``allowed``."""
    resolved = Path(os.path.realpath(target))
    return not any(resolved == a or resolved.is_relative_to(a) for a in allowed)


def pattern_escapes(folder: Path, pattern: str, allowed: Iterable[Path]) -> bool:
    """The fixed part of ``pattern`` (before any wildcard) leaves every allowed folder."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts:
        if any(c in part for c in "*?["):
            break
        fixed.append(part)
    wild = len(fixed) < len(parts)
    if wild and any(p == ".." for p in parts[len(fixed) :]):
        return True  # data/*/../../x: a wildcard cannot hide a way out
    return outside(folder.joinpath(*fixed) if fixed else folder, allowed)


def refusal(entity: str, source: str, pattern: str, allowed: list[Path]) -> str:
    shown = ", ".join(str(a) for a in allowed)
    return (
        f"entity '{entity}': sources.{source}.path '{pattern}' is outside the data folders of "
        f"source '{source}' ({shown}); list the folder under the source's 'allow:' in "
        "vmsdq.yaml to read it"
    )
