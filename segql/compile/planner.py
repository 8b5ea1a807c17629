"""The planner: checked conditions and values → a plan.Query (which passes and ranks the query reads).

Each aggregate becomes a plan.Aggregate of its event table's pass, its `where` split into what runs inside the pass
and what is checked per customer; a percentile's value is planned over the ranks' own source. Imports
segql.check.tree and the sibling plan and tables modules; no sqlglot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segql.check import tree as t
from segql.compile import plan
from segql.compile.tables import TableMap


def plan_query(tables: TableMap, *, outputs: Sequence[plan.Output] = (), where: t.Expr | None = None,
               params: Mapping[str, Any] | None = None) -> plan.Query:
    """The plan of SELECT key, outputs … [WHERE where] (`params`: the values of the where's parameters)."""
    planner = _Planner(tables)
    planned = tuple(plan.rebuild(o, {"expr": planner.expr(o.expr)}) for o in outputs)
    condition = planner.expr(where) if where is not None else None
    return plan.Query(planner.source(), planned, condition, params or {})


class _Planner:
    def __init__(self, tables: TableMap) -> None:
        self.tables = tables
        self.events: set[str] = set()  # the event tables aggregated
        self.ranks: _Planner | None = None  # plans the ranked values, over a source of their own
        self.planned: dict[int, tuple[Any, Any]] = {}  # shared nodes by id: (node, its plan), the node kept alive

    def shared(self, node: Any) -> Any:
        """What a trait or segment names, planned once: one node wherever it is used, as in the checked tree
        (rewrites.lifted_guard tells an aggregate compared with itself by identity)."""
        found = self.planned.get(id(node))
        if found is None:
            found = self.planned[id(node)] = (node, self.expr(node))
        return found[1]

    def source(self) -> plan.Source:
        passes = tuple(plan.GroupedPass(event) for event in self.tables.events if event in self.events)
        return plan.Source(passes, self.ranks.source() if self.ranks is not None else None)

    def expr(self, node: Any) -> Any:
        if type(node) in plan.LEAVES:
            return node
        match node:
            case t.Aggregate(func=func, event=event, value=value, where=where, window=window, type=typ, arg=arg):
                self.events.add(event)
                on_events, on_customer = split_where(where, value)
                return plan.Aggregate(func, event, value, tuple(on_events), tuple(on_customer), window, typ,
                                      arg=arg, span=node.span)
            case t.Percentile():
                if self.ranks is None:
                    self.ranks = _Planner(self.tables)
                return plan.map_children(node, self.ranks.expr)
            case t.TraitRef(expr=expr):
                planned = self.shared(expr)
                return node if planned is expr else plan.rebuild(node, {"expr": planned})
            case t.SegmentRef(condition=condition):
                planned = self.shared(condition)
                return node if planned is condition else plan.rebuild(node, {"condition": planned})
        return plan.map_children(node, self.expr)


def split_where(where: t.Expr | None, value: t.Expr | None) -> tuple[list[t.Expr], list[t.Expr]]:
    """An aggregate's `where` as (conjuncts on the event, conjuncts on the customer and lookups only)."""
    if where is None:
        return [], []
    conjuncts = _conjuncts(where)
    if value is not None and reads(value) & {"customer", "lookup"}:
        return conjuncts, []  # the aggregated value needs the customer's row inside the pass anyway
    on_events: list[t.Expr] = []
    on_customer: list[t.Expr] = []
    for c in conjuncts:
        scopes = reads(c)
        (on_customer if scopes and scopes <= {"customer", "lookup"} else on_events).append(c)
    return on_events, on_customer


def _conjuncts(node: t.Expr) -> list[t.Expr]:
    return flattened(node, t.And)


def flattened(node: t.Expr, kind: type[t.And] | type[t.Or]) -> list[t.Expr]:
    """The items of nested `and`s (or `or`s), through traits naming one: `a and (b and c)` → [a, b, c]."""
    if isinstance(node, kind):
        return [item for inner in node.items for item in flattened(inner, kind)]
    if isinstance(node, t.TraitRef) and isinstance(node.expr, kind):
        return flattened(node.expr, kind)
    return [node]


def reads(node: object) -> set[str]:
    """The scopes of the columns an expression reads; "other" for what must stay where it is (aggregates,
    percentiles, segment references)."""
    if isinstance(node, t.Column):
        return {node.scope}
    if isinstance(node, t.SqlTrait):
        return {"customer"}  # SQL over the customer row
    if isinstance(node, t.Aggregate | plan.Aggregate | t.Percentile | t.SegmentRef):
        return {"other"}
    found: set[str] = set()
    for child in plan.children(node):
        found |= reads(child)
    return found
