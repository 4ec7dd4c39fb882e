"""Markers saying what a spec-model value refers to, so cross-file checks need no code per type.

Written on a field of a rule or shorthand options model::

    columns: Annotated[list[str], Fields()]                 # fields of the rule's entity
    foreign_key: Annotated[str, Fields(of="related")]       # fields of the entity in `related`
    related: Annotated[str, Entity()]                       # another entity of the project
    where: Annotated[str | None, Expression(of="related")]  # sandboxed SQL over that entity

After every file parsed, each marked value of every rule (shipped or plugin) is checked:
unknown fields and entities, and expressions the sandbox refuses, are errors at the value's
``file:line:column``. Checks the markers cannot say go in the model's ``cross_check``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fields:
    """The value names one field (a string) or several (a list) of an entity.

    ``of`` is the key of the same model naming that entity; without it, the rule's own entity.
    """

    of: str | None = None


@dataclass(frozen=True)
class Entity:
    """The value names an entity of the project."""


@dataclass(frozen=True)
class Expression:
    """The value is a SQL boolean over an entity's fields (the rule's own, or ``of``'s)."""

    of: str | None = None


Ref = Fields | Entity | Expression
