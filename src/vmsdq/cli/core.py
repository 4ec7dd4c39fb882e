"""Core commands: init, schema, demo, validate, failures, runs, show."""

from __future__ import annotations
