"""Which RE2 patterns Spark's Java regular expressions match exactly as DuckDB does.

A full match ``p`` is written for Spark as ``(?d)\\A(?:p)\\z`` (``SPARK.full_match``): with
UNIX_LINES, ``.`` excludes only ``\\n`` as in RE2, and ``\\A``/``\\z`` pin both ends. Java
and RE2 still differ elsewhere (``\\s`` takes ``\\x0B`` in Java, ``[[:alpha:]]`` is a POSIX
class in RE2 only, ``&&`` intersects classes in Java, ``$`` matches before a final newline,
``(?i)`` folds only ASCII in Java, possessive ``*+`` is Java's, ``\\b``, ``\\p{..}``, octal
escapes...). ``java_differs`` accepts a conservative subset in which both agree: literals,
``.``, classes of literals and ranges, the escapes ``\\d \\D \\w \\W \\t \\n \\r \\f`` and
escaped punctuation, groups ``( )`` and ``(?: )``, ``|``, greedy or lazy repeats up to
1000, ``^`` opening and ``$`` closing a top-level alternative. Anything else stays in DuckDB.
"""

from __future__ import annotations

import re

SAFE_ESCAPES = frozenset("dDwWtnrf")  # the same class or character in RE2 and Java
MAX_REPEAT = 1000  # RE2's limit; above it DuckDB refuses the pattern
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def java_differs(pattern: str) -> str | None:
    """Why Java may match ``pattern`` differently from RE2 (a full match), or None."""
    i, depth, alt_start, atom = 0, 0, True, False
    while i < len(pattern):
        c = pattern[i]
        starts_alt = False
        if c == "\\":
            why = _escape(pattern[i + 1 : i + 2])
            if why:
                return why
            i, atom = i + 2, True
        elif c == "[":
            end = _class_end(pattern, i)
            if isinstance(end, str):
                return end
            i, atom = end, True
        elif c == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return "a group with flags, a name or a look-around"
            i += 3 if pattern.startswith("(?:", i) else 1
            depth, atom = depth + 1, False
        elif c == ")":
            if depth == 0:
                return "an unbalanced ')'"
            i, depth, atom = i + 1, depth - 1, True
        elif c == "|":
            i, atom, starts_alt = i + 1, False, depth == 0
        elif c in "*+?{":
            if not atom:
                return "a repeat of nothing (or of a repeat)"
            step = _repeat(pattern, i)
            if isinstance(step, str):
                return step
            i, atom = step, False
        elif c == "^":
            if not (depth == 0 and alt_start):
                return "'^' inside the pattern"
            i += 1
        elif c == "$":
            rest = pattern[i + 1 :]
            if depth != 0 or not (rest == "" or rest.startswith("|")):
                return "'$' inside the pattern (Java matches it before a final newline)"
            i, atom = i + 1, False
        elif c in "]}":
            return f"a bare '{c}'"
        else:
            i, atom = i + 1, True
        alt_start = starts_alt
    if depth != 0:
        return "an unclosed group"
    return None


def _escape(escaped: str) -> str | None:
    if not escaped:
        return "a trailing backslash"
    if not escaped.isascii() or (escaped.isalnum() and escaped not in SAFE_ESCAPES):
        return f"the escape \\{escaped} (not the same in Java)"
    return None


def _class_end(pattern: str, start: int) -> int | str:
    """The index after the class opened at ``start``, or why it may differ in Java."""
    j = start + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        return "']' first in a class"
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "[":
            return "'[' inside a class (a POSIX class in RE2, a union in Java)"
        if pattern.startswith("&&", j):
            return "'&&' in a class (an intersection in Java)"
        if pattern[j] == "\\":
            why = _escape(pattern[j + 1 : j + 2])
            if why:
                return why
            j += 2
            continue
        j += 1
    if j >= len(pattern):
        return "an unclosed class"
    return j + 1


def _repeat(pattern: str, start: int) -> int | str:
    """The index after the repeat at ``start`` (and a lazy '?'), or why it may differ."""
    if pattern[start] == "{":
        found = _REPEAT.match(pattern, start)
        if found is None:
            return "a '{' that is no repeat"
        low, high = int(found.group(1)), found.group(3)
        if low > MAX_REPEAT or (high and (int(high) > MAX_REPEAT or int(high) < low)):
            return f"a repeat beyond {MAX_REPEAT} or reversed"
        end = found.end()
    else:
        end = start + 1
    if pattern.startswith("+", end):
        return "a possessive repeat (Java only)"
    return end + 1 if pattern.startswith("?", end) else end
