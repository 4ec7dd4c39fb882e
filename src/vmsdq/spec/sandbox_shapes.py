"""Expressions of one shape parse once: ``f1 IS NOT NULL`` and ``f2 IS NOT NULL`` differ only
in a column name, so the second is the first's allowed tree with the name replaced.

A shape is the token stream with column names and numbers replaced by numbered holes
(the same name gets the same hole, so ``a = a`` and ``a = b`` are two shapes). A name is a
hole only where it cannot be a function or a word the parser reads by its text: not before
``(`` or around ``.``, and not a name the parser knows (functions, date parts, keywords).
A shape is kept only when its first text was allowed and, in its tree, every hole's text
stands exactly where the holes are (an unquoted column name, a number literal) and nowhere
else; then a text of that shape gives the same nodes, the same depth and the same refusal
(none), and its tree is a copy of the kept one with the names and numbers put in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

KEPT_SHAPES = 4096  # shapes remembered (a full table starts again empty)
_NAME, _NUMBER = TokenType.VAR, TokenType.NUMBER
_GLUE = frozenset({TokenType.L_PAREN, TokenType.DOT})
_READ = sqlglot.Dialect.get_or_raise("duckdb")
_PARSER = _READ.parser_class
_WORDS = frozenset(
    name.upper()
    for name in (
        *_PARSER.FUNCTIONS,
        *_PARSER.NO_PAREN_FUNCTION_PARSERS,
        *_PARSER.FUNCTION_PARSERS,
        *_READ.tokenizer_class.KEYWORDS,
    )
)


@dataclass(frozen=True)
class Holes:
    """One text's shape and what fills its holes (names first, then numbers)."""

    shape: tuple[object, ...]
    fills: tuple[str, ...]


@dataclass(frozen=True)
class _Shape:
    tree: exp.Expression  # never handed out: callers get copies
    spots: tuple[tuple[int, int], ...]  # (node index in walk order, hole) to fill
    columns: tuple[int, ...]  # the holes of the column names read, in the verdict's order
    depth: int


_SHAPES: dict[tuple[object, ...], _Shape] = {}
_LOCK = threading.Lock()
_TOKENIZERS = threading.local()


def holes(sql: str, extra_words: Iterable[str] = ()) -> Holes | None:
    """The shape of ``sql``; None when it is better parsed as it is (comments, ``;``, a
    tokenizer error)."""
    if ";" in sql:
        return None
    tokenizer = getattr(_TOKENIZERS, "one", None)
    if tokenizer is None:
        tokenizer = _TOKENIZERS.one = _READ.tokenizer()
    try:
        tokens = tokenizer.tokenize(sql)
    except Exception:  # the full parse reports it
        return None
    shape: list[object] = []
    names: dict[str, int] = {}
    numbers: dict[str, int] = {}
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if token.comments:
            return None
        kind, text = token.token_type, token.text
        if kind is _NUMBER:
            shape.append(("#", numbers.setdefault(text, len(numbers))))
        elif (
            kind is _NAME
            and (i == last or tokens[i + 1].token_type not in _GLUE)
            and (i == 0 or tokens[i - 1].token_type is not TokenType.DOT)
            and text.upper() not in _WORDS
            and text.lower() not in extra_words
        ):
            shape.append(("$", names.setdefault(text, len(names))))
        else:
            shape.append((kind, text))
    shape.append(len(names))
    return Holes(tuple(shape), (*names, *numbers))


def reuse(found: Holes) -> tuple[exp.Expression, tuple[str, ...], int] | None:
    """A new tree of the text ``found`` was taken from, its columns and depth, when a text of
    the same shape was allowed before."""
    kept = _SHAPES.get(found.shape)
    if kept is None:
        return None
    tree = kept.tree.copy()
    fills = found.fills
    spots = iter(kept.spots)
    at, hole = next(spots, (-1, 0))
    for i, node in enumerate(tree.walk()):
        if i == at:
            node.set("this", fills[hole])
            at, hole = next(spots, (-1, 0))
    return tree, tuple(fills[h] for h in kept.columns), kept.depth


def keep(found: Holes, tree: exp.Expression, columns: tuple[str, ...], depth: int) -> None:
    """Remember the allowed ``tree`` of ``found``'s text as its shape's, when every hole's
    text stands only where a hole is."""
    names = found.shape[-1]
    assert isinstance(names, int)
    hole_of = {text: h for h, text in enumerate(found.fills)}
    wanted = [0] * len(found.fills)
    for part in found.shape[:-1]:
        if isinstance(part, tuple) and part[0] in ("$", "#"):
            wanted[part[1] + (names if part[0] == "#" else 0)] += 1
    spots: list[tuple[int, int]] = []
    for i, node in enumerate(tree.walk()):
        for key, value in node.args.items():
            if isinstance(value, list) and any(isinstance(v, str) and v in hole_of for v in value):
                return
            if not isinstance(value, str) or value not in hole_of:
                continue
            hole = hole_of[value]
            if key != "this" or not _fits(node, hole < names):
                return  # the text is also read elsewhere (a date part, a string, an alias)
            spots.append((i, hole))
            wanted[hole] -= 1
    if any(wanted) or any(c not in hole_of or hole_of[c] >= names for c in columns):
        return
    columns_holes = tuple(hole_of[c] for c in columns)
    with _LOCK:
        if len(_SHAPES) >= KEPT_SHAPES:
            _SHAPES.clear()
        _SHAPES[found.shape] = _Shape(tree.copy(), tuple(spots), columns_holes, depth)


def _fits(node: exp.Expr, name: bool) -> bool:
    if name:
        return (
            type(node) is exp.Identifier
            and not node.args.get("quoted")
            and type(node.parent) is exp.Column
        )
    return type(node) is exp.Literal and not node.is_string
