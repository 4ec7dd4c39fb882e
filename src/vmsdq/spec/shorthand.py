"""Field shorthand that one key cannot say alone, and the names shorthand rules get.

Most shorthand keys read the same way (see ``Shorthand.read``); these three do not:
``type`` depends on the field's type, ``range`` is also written as ``min``/``max``, and
``references: organization.id`` names a target field after the dot.
"""

from __future__ import annotations

from vmsdq.core.words import FieldType
from vmsdq.spec.models import FieldSpec, RangeOpts, ReferenceOpts, RuleMeta, TypeOpts


def expand_type(field: FieldSpec) -> TypeOpts | None:
    """Raw text must cast to the field's type: on by default for every non-string field."""
    if not field.check_type or field.type is FieldType.string:
        return None
    return field.check_type if isinstance(field.check_type, TypeOpts) else TypeOpts()


def expand_range(field: FieldSpec) -> RangeOpts | None:
    """``range: {min, max, exclusive}``, or ``min``/``max`` on the field (``range`` wins)."""
    if field.range is not None:
        return field.range
    if field.min is None and field.max is None:
        return None
    return RangeOpts(min=field.min, max=field.max)


def expand_references(field: FieldSpec) -> ReferenceOpts | None:
    """``references: organization`` (its key) or ``organization.id``, or the options."""
    value = field.references
    if value is None or isinstance(value, ReferenceOpts):
        return value
    target, _, key = value.partition(".")
    return ReferenceOpts(entity=target, field=key or None)


def rule_name(entity: str, field: str, kind: str, options: RuleMeta) -> str:
    """Full name of a shorthand rule: ``{entity}.{field}.{kind}`` unless it sets ``name``."""
    return f"{entity}.{options.name or f'{field}.{kind}'}"
