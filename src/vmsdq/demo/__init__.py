"""The demo source: a deterministic VMS dataset with injected defects and its ground truth."""

from __future__ import annotations

from vmsdq.demo.generate import generate_demo, install_pack
from vmsdq.demo.manifest import DemoManifest

__all__ = ["DemoManifest", "generate_demo", "install_pack"]
