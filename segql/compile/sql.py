"""Small builders over sqlglot node constructors: operators that parenthesise by precedence, CASE, SELECT.

Constructors with no parsing and no copying (DESIGN §8). Imports sqlglot only.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

# Binding strength of the operators the compiler emits (higher binds tighter); anything else is atomic.
_LEVELS: list[tuple[tuple[type[exp.Expression], ...], int]] = [
    ((exp.Or,), 1),
    ((exp.And,), 2),
    ((exp.Not,), 3),
    ((exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Like, exp.ILike, exp.Escape, exp.Is), 4),
    ((exp.Add, exp.Sub, exp.DPipe), 5),
    ((exp.Mul, exp.Div, exp.Mod), 6),
    ((exp.Neg,), 7),
    ((exp.AtTimeZone,), 8),
]
_ATOM = 9
# Operators whose right operand of the same operator needs no parentheses: a AND (b AND c) is a AND b AND c.
# Not + and *: a + (b - c) is no (a + b) - c when b is a date, a * (b % c) is no (a * b) % c, and floats round.
_ASSOCIATIVE = (exp.Or, exp.And, exp.DPipe)


_LEVEL_OF: dict[type, int] = {}  # per node class, found once (this is on the compiler's hot path)


def level(node: exp.Expression | type[exp.Expression]) -> int:
    cls = node if isinstance(node, type) else type(node)
    found = _LEVEL_OF.get(cls)
    if found is None:
        found = _LEVEL_OF[cls] = next((value for classes, value in _LEVELS if issubclass(cls, classes)), _ATOM)
    return found


def wrap(node: exp.Expression, minimum: int) -> exp.Expression:
    """The node, parenthesised when it binds looser than `minimum`."""
    return exp.Paren(this=node) if (_LEVEL_OF.get(type(node)) or level(node)) < minimum else node


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def binary(cls: type[exp.Expression], left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """left <op> right with the parentheses the tree needs (the generator adds none of its own).

    cls is an operator class such as exp.EQ or exp.Add (exp.Binary itself is a mixin, not an Expression).
    The levels are looked up inline: this is the compiler's most called builder."""
    levels = _LEVEL_OF
    own = levels.get(cls) or level(cls)
    right_min = own if cls in _ASSOCIATIVE and isinstance(right, cls) else own + 1
    left_min = own if cls not in _COMPARISONS else own + 1
    if (levels.get(type(left)) or level(left)) < left_min:
        left = exp.Paren(this=left)
    if (levels.get(type(right)) or level(right)) < right_min:
        right = exp.Paren(this=right)
    return cls(this=left, expression=right)


def between(subject: exp.Expression, low: exp.Expression, high: exp.Expression) -> exp.Between:
    """subject BETWEEN low AND high. PostgreSQL's grammar takes only arithmetic in the bounds (no AT TIME ZONE,
    even inside the arithmetic, and no predicate): a bound holding one is parenthesised."""

    def bound(node: exp.Expression) -> exp.Expression:
        needs = level(node) < 5 or node.find(exp.AtTimeZone) is not None
        return exp.Paren(this=node) if needs else node

    return exp.Between(this=wrap(subject, 5), low=bound(low), high=bound(high))


def and_(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.Boolean(this=True)
    result = items[0]
    for item in items[1:]:
        result = binary(exp.And, result, item)
    return result


def conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The operands of a chain of ANDs (the node itself when it is no AND)."""
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def or_(items: Sequence[exp.Expression]) -> exp.Expression:
    if not items:
        return exp.Boolean(this=False)
    result = items[0]
    for item in items[1:]:
        result = binary(exp.Or, result, item)
    return result


def not_(node: exp.Expression) -> exp.Expression:
    return exp.Not(this=wrap(node, 4))


def neg(node: exp.Expression) -> exp.Expression:
    return exp.Neg(this=wrap(node, 7))


def case(when: exp.Expression, then: exp.Expression, default: exp.Expression | None = None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=when, true=then)], default=default)


def number(value: int | str) -> exp.Expression:  # a negative number is Neg(Literal)
    return exp.Literal.number(value)


def alias(node: exp.Expression, name: exp.Identifier) -> exp.Alias:
    return exp.Alias(this=node, alias=name)


def select(
    columns: Sequence[exp.Expression],
    source: exp.Expression,
    joins: Sequence[exp.Join] = (),
    where: exp.Expression | None = None,
    group_by: Sequence[exp.Expression] = (),
) -> exp.Select:
    query = exp.Select(expressions=list(columns))
    query.set("from_", exp.From(this=source))
    if joins:
        query.set("joins", list(joins))
    if where is not None:
        query.set("where", exp.Where(this=where))
    if group_by:
        query.set("group", exp.Group(expressions=list(group_by)))
    return query


def join(source: exp.Expression, on: exp.Expression, side: str = "LEFT") -> exp.Join:
    return exp.Join(this=source, on=on, side=side) if side else exp.Join(this=source, on=on, kind="INNER")


def subquery(query: exp.Select, name: exp.Identifier) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=name))
