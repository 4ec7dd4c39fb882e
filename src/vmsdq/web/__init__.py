"""The web dashboard and REST API (Flask): ``create_app`` builds both."""

from __future__ import annotations

from vmsdq.web.app import create_app

__all__ = ["create_app"]
