"""``${VAR}`` interpolation of the project file's strings from the environment.

``${VAR}`` is the variable's value; an unset one is an error. ``${VAR:-default}`` is the
default when the variable is unset or empty, ``${VAR-default}`` only when it is unset.
``$${`` writes a literal ``${``. A ``$`` not followed by ``{`` stays as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_REFERENCE = re.compile(
    r"\$\$\{|\$\{(?P<name>[^}:\-]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}|\$\{(?P<open>[^}]*)$"
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def interpolate(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every ``${VAR}`` replaced.

    Raises:
        ValueError: an unset variable without a default, a bad name or an unclosed ``${``.
    """
    if "$" not in text:
        return text
    env = os.environ if environ is None else environ
    return _REFERENCE.sub(lambda match: _value(match, env), text)


def _value(match: re.Match[str], env: Mapping[str, str]) -> str:
    if match.group(0) == "$${":
        return "${"
    if match.group("open") is not None:
        raise ValueError(f"'${{{match.group('open')}' is not closed with '}}'")
    name, op = match.group("name"), match.group("op")
    if not _NAME.match(name):
        raise ValueError(
            f"'${{{name}}}' is not a variable name (letters, digits and _, not first a digit)"
        )
    value = env.get(name)
    if op == ":-" and not value:
        return str(match.group("default"))
    if op == "-" and value is None:
        return str(match.group("default"))
    if value is None:
        raise ValueError(
            f"environment variable '{name}' is not set (written as ${{{name}}}; "
            f"set it, or give a default: ${{{name}:-default}})"
        )
    return value
