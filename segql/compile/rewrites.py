"""Rewrites: the compiler's optimisations, each exact by construction (docs/compiler.md lists them).

Rewrites of the plan (`rewrite`: referenced segments as key sets, INNER JOINs and semi-joins, comparisons solved or
simplified at compile time) run before lowering on the dialect-neutral plan; rewrites of a lowered pass or ranks
table (its WHERE, filters and shape) compare SQL, so they run on the SQL the lowering built for them. Imports sqlglot, segql.check.tree, segql.dialects and siblings.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, cast

from sqlglot import exp

from segql.check import tree as t
from segql.compile import dates, plan, sql
from segql.compile.clock import Bound
from segql.compile.constants import Constants
from segql.compile.passes import EMPTY_IS_ZERO, UNSPLITTABLE, AggregateSpec, EventPass
from segql.compile.planner import flattened, reads
from segql.dialects import SqlDialect
from segql.source import Span


def rewrite(query: plan.Query, constants: Constants, dialect: SqlDialect) -> plan.Query:
    """The plan rewrites, in order: referenced segments as key sets, `or`s distributed over customer conditions,
    comparisons of events with the customer as edges, join kinds (read off the comparisons as written), semi- and
    anti-joins, the `has` left in grouped passes as their columns, windows joined across `has` and `has no`, then
    comparisons."""
    if dialect.semi_joins:
        query = key_sets(query, constants, dialect)
    query = distributed_ors(query)
    if dialect.edge_comparisons:
        query = edge_comparisons(query)
    joined = inner_joins(query, constants)
    if dialect.semi_joins:
        joined = semi_joins(joined)
        if dialect.correlated_exists:
            joined = anti_joins(joined)
    return comparisons(covered_windows(reached(joined), constants), constants)


# ---- `has E where (a or L)`, L on the customer alone: `has E where a or (L and has E)` ----


def distributed_ors(query: plan.Query) -> plan.Query:
    """`has E where (a or L)` (and `has no`) with L on the customer and lookups alone, and nothing else of the `where`
    reading them: `has E where a or (L and has E)`, so that the pass needs no join with the customer or lookup
    tables (it counts the events where a and all events, side by side). Exact: L holds for all of a customer's events
    or none (two-valued, DESIGN §3.3), and the `or` holds for an event where either side does."""
    return _each_has(query, _distributed)


def _distributed(aggregate: plan.Aggregate, span: Span) -> t.Expr | None:
    """`has` of the aggregate with its first `or` of event and customer-only disjuncts distributed, or None."""
    for i, conjunct in enumerate(aggregate.on_events):
        disjuncts = _disjuncts(conjunct)
        on_customer = [d for d in disjuncts if _on_customer(d)]
        on_events = [d for d in disjuncts if not _on_customer(d)]
        if not on_customer or not on_events:
            continue
        rest = aggregate.on_events[:i] + aggregate.on_events[i + 1:]
        if any(reads(c) & {"customer", "lookup"} for c in (*rest, *on_events)):
            return None  # the pass joins the customer anyway: distributing would only add a count

        def has(on: tuple[plan.Expr, ...]) -> t.Expr:
            counted = plan.rebuild(aggregate, {"on_events": on})
            return t.Compare(">", cast(t.Expr, counted), t.Literal(0, t.INTEGER), span=span)

        matching = has((*rest, _either(on_events)))
        customer = t.And((cast(t.Expr, _either(on_customer)), has(rest)), span=span)
        return t.Or((matching, customer), span=span)
    return None


def _disjuncts(node: plan.Expr) -> list[plan.Expr]:
    return list(flattened(cast(t.Expr, node), t.Or))


def _on_customer(node: plan.Expr) -> bool:
    scopes = reads(node)
    return bool(scopes) and scopes <= {"customer", "lookup"}


def _either(disjuncts: list[plan.Expr]) -> plan.Expr:
    return disjuncts[0] if len(disjuncts) == 1 else t.Or(tuple(cast(t.Expr, d) for d in disjuncts))


# ---- `has E where x > customer.v`: `max(x of E) > customer.v` ----

_ORDERED = (t.INTEGER, t.DECIMAL, t.FLOAT, t.DATE, t.TIMESTAMP)  # types whose MIN and MAX are the engines' order


def edge_comparisons(query: plan.Query) -> plan.Query:
    """`has E where x > v` (`>=`; `<`, `<=` with min) and `has no`, where v reads the customer and lookups alone
    and no other condition of the `where` reads them: `max(x of E where <the rest>) > v`, so that the events are
    grouped by customer alone and compared once per customer, instead of each joined with the customer row first
    (has_where_customer on DuckDB: 1.16× → 0.99×). Exact: an event has x > v exactly when the largest x of the
    events with one does; with no such event, or no v, both are false (the max or the comparison NULL)."""
    return _each_has(query, _edge)


def _edge(aggregate: plan.Aggregate, span: Span) -> t.Compare | None:
    """The count's `has` as a comparison of the largest or smallest event value with the customer's, or None."""
    mixed = [i for i, c in enumerate(aggregate.on_events) if reads(c) & {"customer", "lookup"}]
    if len(mixed) != 1:
        return None
    compared = plan.unwrap(aggregate.on_events[mixed[0]])
    if not isinstance(compared, t.Compare) or compared.op == "=":
        return None
    rest = aggregate.on_events[:mixed[0]] + aggregate.on_events[mixed[0] + 1:]
    for x, v, op in ((compared.left, compared.right, compared.op), (compared.right, compared.left,
                                                                     _FLIPPED[compared.op])):
        if reads(x) == {"event"} and x.type in _ORDERED and _on_customer(v):
            edge = plan.Aggregate("max" if op in (">", ">=") else "min", aggregate.event, x, rest,
                                  aggregate.on_customer, aggregate.window, x.type, span=aggregate.span)
            return t.Compare(op, cast(t.Expr, edge), v, span=span)
    return None


# ---- referenced segments as key sets where their passes serve nothing else ----

RANKS = "<ranks>"  # among the passes `key_sets` counts: the ranks table (no event table is named so)


def key_sets(query: plan.Query, constants: Constants, dialect: SqlDialect) -> plan.Query:
    """`in segment s` under an `or` or a `not` (not a conjunct of the filter, which is inlined: its conditions are
    the query's own), when none of the passes s needs is read by anything else in the query: s's members as a key
    set (plan.Member), computed by a query of its own, instead of its condition inlined. Inlined, s's passes are
    joined to every candidate and its whole condition evaluated per customer; apart, its own conjuncts filter its
    own customers (its passes INNER JOINed, its customer conditions checked on its own candidates only) and the
    outer query semi-joins the keys (tree_any_refs on DuckDB: 1.47× → 1.04× its hand-written query's CPU). A
    reference whose passes the query reads anyway (or another reference reads: one scan shared beats two) stays
    inlined, as does one needing no pass (its conditions are on the customer row, or `has` semi-joins either way).
    Exact: `in segment s` is true or false (§3.3), the key set holds s's members; and only
    a segment that no customer without events in one of its passes is in becomes one, so that a customer without a
    key (whom no key set holds, and no pass joins) is in neither form."""
    candidates: list[t.SegmentRef] = []
    read: set[str] = set()  # the passes the query needs outside the candidates
    for root in [o.expr for o in query.outputs]:
        _references(root, False, candidates, read)
    if query.where is not None:
        _references(query.where, True, candidates, read)
    if not candidates:
        return query
    needs = {id(ref): _passes(ref.condition) for ref in candidates}
    counts: dict[str, int] = {}
    for ref in candidates:
        for name in needs[id(ref)]:
            counts[name] = counts.get(name, 0) + 1
    apart = {id(ref) for ref in candidates if _needs_its_events(ref, needs[id(ref)], constants)}
    shared = read | {name for name, n in counts.items() if n > 1}
    shared |= {name for ref in candidates if id(ref) not in apart for name in needs[id(ref)]}  # inlined anyway
    changed = True
    while changed:  # a reference inlined makes its passes the query's: others reading them are inlined too
        changed = False
        for ref in candidates:
            if id(ref) in apart and needs[id(ref)] & shared:
                apart.discard(id(ref))
                shared |= needs[id(ref)]
                changed = True
    if not apart:
        return query

    members: dict[int, plan.Member] = {}  # by reference: one planned once however often it is reached

    def rewritten(node: Any) -> Any:
        if type(node) in plan.LEAVES or isinstance(node, t.Percentile | plan.Aggregate):
            return node
        if isinstance(node, t.SegmentRef) and id(node) in apart:
            member = members.get(id(node))
            if member is None:
                where = node.condition
                own = plan.Query(_source([where], query.source), (), where, node.params)
                member = members[id(node)] = plan.Member(node.name, rewrite(own, constants, dialect), span=node.span)
            return member
        return plan.map_children(node, rewritten)

    outputs = tuple(replace(o, expr=rewritten(o.expr)) for o in query.outputs)
    where = rewritten(query.where) if query.where is not None else None
    roots = [o.expr for o in outputs] + ([where] if where is not None else [])
    return replace(query, source=_source(roots, query.source), outputs=outputs, where=where)


def _needs_its_events(ref: t.SegmentRef, passes: set[str], constants: Constants) -> bool:
    """Is the referenced segment false for every customer without events in one of the event tables it needs?"""
    events = sorted(passes - {RANKS})
    if not events:
        return False
    with constants.parameters(ref.params):
        return bool(_Emptiness(constants, events).false_without(ref.condition))


def _references(node: Any, top: bool, found: list[t.SegmentRef], read: set[str]) -> None:
    """Collect the segment references that may become key sets (all but the filter's conjuncts, whose conditions
    are walked as the query's own) and, in `read`, the passes the rest of the query needs."""
    if type(node) in plan.LEAVES:
        return
    match node:
        case t.And(items=items) if top:
            for item in items:
                _references(item, True, found, read)
            return
        case t.TraitRef(expr=expr):
            _references(expr, top, found, read)
            return
        case t.SegmentRef(condition=condition):
            if top:
                _references(condition, True, found, read)
            else:
                found.append(node)
            return
        case t.Percentile():
            read.add(RANKS)  # (references in a ranked value stay inlined: it has a source of its own)
            return
        case plan.Aggregate(event=event):
            read.add(event)  # a `has` too: the query reads the table anyway, and may as well group it
            return
    for child in plan.children(node):
        _references(child, False, found, read)


def _passes(node: Any) -> set[str]:
    """The passes a referenced segment's condition needs: the event tables it aggregates other than in a `has`
    (which is a semi-join on its own, wherever the condition is computed), and the ranks table for a percentile."""
    if type(node) in plan.LEAVES:
        return set()
    if isinstance(node, t.Percentile):
        return {RANKS}
    if isinstance(node, plan.Aggregate):
        return {node.event}
    if _existence(node) is not None:
        return set()
    found: set[str] = set()
    for child in plan.children(node):
        found |= _passes(child)
    return found


def _source(roots: list[Any], source: plan.Source) -> plan.Source:
    """The part of `source` that expressions read: the passes of the event tables they aggregate (in the source's
    order) and, when they rank values, the ranks table the values need. Key sets bring their own."""
    events: set[str] = set()
    ranked: list[Any] = []

    def walk(node: Any) -> None:
        if type(node) in plan.LEAVES or isinstance(node, plan.Member):
            return
        if isinstance(node, t.Percentile):
            ranked.append(node.expr)
            return
        if isinstance(node, plan.Aggregate):
            events.add(node.event)
        for child in plan.children(node):
            walk(child)

    for root in roots:
        walk(root)
    ranks = _source(ranked, source.ranks) if ranked and source.ranks is not None else None
    return plan.Source(tuple(p for p in source.passes if p.event in events), ranks)


# ---- `has` as a semi-join where its pass would compute nothing else ----


def semi_joins(query: plan.Query) -> plan.Query:
    """`has E …` and `has no E …` (a count compared with 0) over an event table whose pass would compute that count
    alone: the customer's key among the keys of the matching events (plan.Exists; `has no`: not), instead of a pass
    grouping every customer's events and joined to every customer. An event table with other aggregates keeps its
    pass, which computes the count beside them in the same scan."""
    passes = query.source.passes
    if not passes:
        return query
    found: dict[str, set[plan.Aggregate | None]] = {}  # per event: its aggregates (None: one that is not a has)
    roots = [o.expr for o in query.outputs] + ([query.where] if query.where is not None else [])
    for root in roots:
        _existences(root, found)
    events = {e for e, aggregates in found.items() if len(aggregates) == 1 and None not in aggregates}
    if not events:
        return query

    def rewritten(node: Any) -> Any:
        if type(node) in plan.LEAVES or isinstance(node, t.Percentile):
            return node
        existence = _existence(node)
        if existence is not None and existence[0].event in events:
            aggregate, positive = existence
            exists = plan.Exists(aggregate, span=node.span)
            return exists if positive else t.Not(cast(t.Expr, exists), span=node.span)
        return plan.map_children(node, rewritten)

    outputs = tuple(replace(o, expr=rewritten(o.expr)) for o in query.outputs)
    where = rewritten(query.where) if query.where is not None else None
    source = replace(query.source, passes=tuple(p for p in passes if p.event not in events))
    return replace(query, source=source, outputs=outputs, where=where)


def reached(query: plan.Query) -> plan.Query:
    """`has E …` and `has no E …` (a count compared with 0) over an event table whose grouped pass stays (it
    computes other aggregates): whether the customer has such an event as a boolean column of the pass
    (plan.Reached; `has no`: not), which the pass computes from the latest matching time where the window leaves
    only its start to check (`in last 90 days`, `since D`, `this quarter`: its end is the as-of date, which bounds
    the pass) and from the earliest where it leaves only its end (`before D`, or a window starting where the pass
    does): one MAX or MIN for every such `has` on the same events, instead of a conditional count each
    (passes.build_pass). Exact: the pass's rows all have a time (its WHERE bounds it), and some row matching the
    rest of the filter has a time on or after the start exactly when the latest of them does. Runs after the join
    kinds, which read the counts."""
    grouped = {p.event for p in query.source.passes}
    if not grouped:
        return query

    def has(aggregate: plan.Aggregate, span: Span) -> plan.Reached | None:
        return plan.Reached(aggregate, span=span) if aggregate.event in grouped else None

    return _each_has(query, has)


def _each_has(query: plan.Query, rewritten: Callable[[plan.Aggregate, Span], Any]) -> plan.Query:
    """The query with each `has` (a count compared with 0, outside ranked values, which have their own source) that
    `rewritten(count, span)` gives an expression for replaced by it, and each such `has no` by its negation. A query
    without passes has no `has` to find (the compile loop's hot path: no walk)."""
    if not query.source.passes:
        return query

    def walked(node: Any) -> Any:
        if type(node) in plan.LEAVES or isinstance(node, t.Percentile):
            return node
        existence = _existence(node)
        if existence is not None:
            new = rewritten(existence[0], node.span)
            if new is not None:
                return new if existence[1] else t.Not(new, span=node.span)
        return plan.map_children(node, walked)

    outputs = tuple(replace(o, expr=walked(o.expr)) for o in query.outputs)
    where = walked(query.where) if query.where is not None else None
    if where is query.where and all(a.expr is b.expr for a, b in zip(outputs, query.outputs, strict=True)):
        return query
    return replace(query, outputs=outputs, where=where)


def covered_windows(query: plan.Query, constants: Constants) -> plan.Query:
    """In an `and`, `has E where a in W` beside `has no E where b in V` (b's conditions among a's, the same customer
    conditions, dates known at compile time): `has E where a in W ∪ V` where the two are one run of days, since no
    event of a falls in V. With the windows covering all of time, `has E where a`; with a run to the as-of date,
    `since` its first day, which the pass checks from its latest matching time (`reached`). `(has orders in previous
    quarter) and (has no orders in this quarter)` is then `has orders since <the previous quarter's first day>`, TRUE
    for every customer the pass over the half-year has a row for: the hand-written query's `HAVING max(t) < …`.
    Exact: the `and` is false wherever a b-event is in V, and elsewhere an a-event in W ∪ V is one in W."""
    if constants.as_of is None or not query.source.passes:  # no days known, or no `has` in a grouped pass
        return query

    def rewritten(node: Any) -> Any:
        if type(node) in plan.LEAVES or isinstance(node, t.Percentile):  # ranked values have their own source
            return node
        if isinstance(node, t.SegmentRef):  # its windows read its own parameters
            with constants.parameters(node.params):
                return plan.map_children(node, rewritten)
        node = plan.map_children(node, rewritten)
        return _covered(node, constants) if isinstance(node, t.And) else node

    outputs = []
    for output in query.outputs:
        with constants.parameters(output.params):
            expr = rewritten(output.expr)
        outputs.append(output if expr is output.expr else replace(output, expr=expr))
    where = query.where
    if where is not None:
        with constants.parameters(query.params):
            where = rewritten(where)
    if where is query.where and all(a is b for a, b in zip(outputs, query.outputs, strict=True)):
        return query
    return replace(query, outputs=tuple(outputs), where=where)


def _covered(node: t.And, constants: Constants) -> t.And:
    nones: list[plan.Aggregate] = []
    for i in node.items:
        operand = i.operand if isinstance(i, t.Not) else None
        if isinstance(operand, plan.Reached):
            nones.append(operand.aggregate)
    if not nones:
        return node
    items = list(node.items)
    for n, item in enumerate(node.items):
        if not isinstance(item, plan.Reached):
            continue
        has = item.aggregate
        run = constants.window_days(has.window)
        if run is None or run == (None, None):
            continue
        others = [constants.window_days(a.window) for a in nones if a.event == has.event
                  and a.on_customer == has.on_customer and a.guarded == has.guarded
                  and all(any(c == mine for mine in has.on_events) for c in a.on_events)]
        merged = _merged(run, [o for o in others if o is not None])
        if merged == run:
            continue
        first, last = merged
        window: t.Window | None
        if first is None and last is None:
            window = None
        elif last is None:
            window = t.SinceWindow(t.Literal(first, t.DATE))
        elif first is None:
            window = t.BeforeWindow(t.Literal(last + dt.timedelta(days=1), t.DATE))
        else:
            window = t.BetweenWindow(t.Literal(first, t.DATE), t.Literal(last, t.DATE))
        items[n] = plan.Reached(plan.rebuild(has, {"window": window}), span=item.span)
    return t.And(tuple(items), span=node.span) if items != list(node.items) else node


def _merged(run: tuple[dt.date | None, dt.date | None],
            others: list[tuple[dt.date | None, dt.date | None]]) -> tuple[dt.date | None, dt.date | None]:
    """The run of days joined with every other run that overlaps or adjoins it (repeatedly)."""
    first, last = run
    left = list(others)
    changed = True
    while changed:
        changed = False
        for other in list(left):
            o_first, o_last = other
            # does `other` reach the run: its last day not before the day before the run's first, and vice versa
            if (first is None or o_last is None or o_last >= first - dt.timedelta(days=1)) and \
                    (last is None or o_first is None or o_first <= last + dt.timedelta(days=1)):
                first = None if first is None or o_first is None else min(first, o_first)
                last = None if last is None or o_last is None else max(last, o_last)
                left.remove(other)
                changed = True
    return first, last


def anti_joins(query: plan.Query) -> plan.Query:
    """`not (has A or has B)` as a conjunct of the filter: `not has A and not has B`, for dialects whose `has` is a
    correlated EXISTS. An `or` of several `has` is one IN of their keys' UNION ALL (a semi-join, good under `or`),
    which under `not` would be a NOT IN; PostgreSQL plans each NOT EXISTS of the filter as an anti-join instead,
    probing the (key, time) index for the candidates left, as the hand-written query does (1M events: churn_risk
    245–275 → 166–181 ms, priority_member 447–475 → 324–353 ms). Deeper in the condition the union stays: there
    each NOT EXISTS is a hashed subplan of its own, and tree_none_refs measured ~1.2× slower so."""
    if query.where is None:
        return query

    def conjunct(node: Any) -> Any:
        match node:
            case t.And():
                return plan.map_children(node, conjunct)
            case t.TraitRef() | t.SegmentRef():  # (a reference keeps its node: its parameters are read through it)
                return plan.map_children(node, conjunct)
            case t.Not(operand=operand):
                inner = plan.unwrap(operand)
                if isinstance(inner, t.Or) and sum(isinstance(i, plan.Exists) for i in inner.items) > 1:
                    return t.And(tuple(t.Not(i, span=node.span) for i in inner.items), span=node.span)
        return node

    where = conjunct(query.where)
    return query if where is query.where else replace(query, where=where)


def _existence(node: Any) -> tuple[plan.Aggregate, bool] | None:
    """(the count, True for `has`, False for `has no`) when the node compares a count with 0 so."""
    if not isinstance(node, t.Compare):
        return None
    aggregate, other, op = node.left, node.right, node.op
    if not isinstance(aggregate, plan.Aggregate):
        aggregate, other, op = node.right, node.left, _FLIPPED[node.op]
    if not (isinstance(aggregate, plan.Aggregate) and aggregate.func == "count" and aggregate.guarded
            and isinstance(other, t.Literal) and type(other.value) is int):
        return None
    match op, other.value:
        case (">", 0) | (">=", 1):
            return aggregate, True
        case ("=", 0) | ("<", 1) | ("<=", 0):
            return aggregate, False
    return None


def _existences(node: Any, found: dict[str, set[plan.Aggregate | None]]) -> None:
    """Collect, per event table, the aggregates the node reads: a has's count, or None for any other aggregate."""
    if type(node) in plan.LEAVES or isinstance(node, t.Percentile):  # ranked values have their own source
        return
    existence = _existence(node)
    if existence is not None:
        found.setdefault(existence[0].event, set()).add(existence[0])
        return
    if isinstance(node, plan.Aggregate):
        found.setdefault(node.event, set()).add(None)
        return
    for child in plan.children(node):
        _existences(child, found)


# ---- INNER JOIN of a pass without which the condition can't hold ----


def inner_joins(query: plan.Query, constants: Constants) -> plan.Query:
    """A pass whose aggregates, empty, make the condition false (`count(…) >= 3`, `max(…) > 10`) is INNER JOINed:
    a customer without its events is no member anyway, and the engine can filter the pass before joining."""
    passes = query.source.passes
    if query.where is None or not passes:
        return query
    with constants.parameters(query.params):
        required = _Emptiness(constants, [p.event for p in passes]).false_without(query.where)
    if not required:
        return query
    inner = tuple(replace(p, inner=True) if p.event in required else p for p in passes)
    return replace(query, source=replace(query.source, passes=inner))


_NULL, _UNKNOWN = object(), object()  # an expression's value for a customer without events: NULL, or not known


class _Emptiness:
    """What a condition is for a customer without events in one of the passes (its aggregates over that table then
    all empty: 0 for count and sum, NULL otherwise)."""

    def __init__(self, constants: Constants, events: list[str]) -> None:
        self.constants = constants
        self.events = events

    def false_without(self, node: plan.Expr) -> set[str]:
        """The event tables such that, for a customer without events in the table's pass, the condition is never
        true."""
        match node:
            case t.And(items=items):
                return set().union(*(self.false_without(i) for i in items))
            case t.Or(items=items):
                return set.intersection(*(self.false_without(i) for i in items))
            case t.TraitRef(expr=expr):
                return self.false_without(expr)
            case t.SegmentRef(condition=condition, params=params):
                with self.constants.parameters(params):
                    return self.false_without(condition)
            case t.Compare(op=op, left=left, right=right):
                return self._never_true(lambda a, b: _holds(op, a, b), left, right)
            case t.Between(subject=subject, low=low, high=high):
                return self._never_true(lambda x, lo, hi: _both(_holds(">=", x, lo), _holds("<=", x, hi)),
                                        subject, low, high)
            case t.InList(subject=subject) | t.Match(subject=subject):
                return self._never_true(lambda x: None, subject)  # only a NULL subject is known to fail
            case t.Truth(operand=operand):
                return self._never_true(lambda x: x if isinstance(x, bool) else None, operand)
        return set()

    def _never_true(self, holds: Any, *operands: plan.Expr) -> set[str]:
        found: set[str] = set()
        for event in self.events:  # the event tables the query aggregates (an operand without one is _UNKNOWN)
            values = [self.empty_value(o, event) for o in operands]
            if any(v is _NULL for v in values) or (_UNKNOWN not in values and holds(*values) is False):
                found.add(event)
        return found

    def empty_value(self, node: plan.Expr, event: str) -> Any:
        """The value of an expression for a customer without events in the event table's pass: _NULL, a Python
        value when it is known, or _UNKNOWN."""
        match node:
            case plan.Aggregate(event=owner, func=func):
                if owner != event or func == "mode":  # a mode is computed apart from the pass (lower.mode_join)
                    return _UNKNOWN
                return 0 if func in EMPTY_IS_ZERO else _NULL
            case t.Literal(value=value):
                return _NULL if value is None else value
            case t.Param():
                value = self.constants.params.get(node.name)
                return _NULL if value is None else value
            case t.TraitRef(expr=expr):
                return self.empty_value(expr, event)
            case t.Negate(operand=operand):
                value = self.empty_value(operand, event)
                return -value if _is_number(value) else value if value is _NULL else _UNKNOWN
            case t.Arith(op=op, left=left, right=right):
                a = self.empty_value(left, event)
                b = self.empty_value(right, event) if not isinstance(right, t.Duration) else _UNKNOWN
                if a is _NULL or b is _NULL:
                    return _NULL
                if _is_number(a) and _is_number(b) and op in "+-*":
                    try:
                        return a + b if op == "+" else a - b if op == "-" else a * b
                    except TypeError:  # a Decimal with a float: the engines' rounding is not Python's
                        return _UNKNOWN
                return _UNKNOWN
            case t.Call(name="coalesce", args=args):
                for arg in args:
                    value = self.empty_value(arg, event)
                    if value is not _NULL:
                        return value
                return _NULL
            case t.Call(args=args):  # every other function is NULL on a NULL argument
                return _NULL if any(self.empty_value(a, event) is _NULL for a in args) else _UNKNOWN
        return _UNKNOWN


# ---- comparisons solved or simplified at compile time ----


def comparisons(query: plan.Query, constants: Constants) -> plan.Query:
    """Every comparison of the query (in its outputs, filter, aggregates and ranked values) through the first of
    `annual_days`, `date_range`, `bare_coalesce` and `lifted_guard` that applies."""
    rewriter = _Comparisons(constants)
    outputs = []
    for output in query.outputs:
        with constants.parameters(output.params):
            expr = rewriter.expr(output.expr)
        outputs.append(output if expr is output.expr else replace(output, expr=expr))
    where = query.where
    if where is not None:
        with constants.parameters(query.params):
            where = rewriter.expr(where)
    if where is query.where and all(a is b for a, b in zip(outputs, query.outputs, strict=True)):
        return query
    return replace(query, outputs=tuple(outputs), where=where)


class _Comparisons:
    def __init__(self, constants: Constants) -> None:
        self.constants = constants

    def expr(self, node: Any) -> Any:
        if type(node) in plan.LEAVES:
            return node
        match node:
            case t.Compare() | t.Between():
                node = annual_days(node, self.constants) or date_range(node, self.constants) or (
                    None if isinstance(node, t.Between) else
                    bare_coalesce(node, self.constants) or lifted_guard(node, self.constants)) or node
                if isinstance(node, plan.DateRange):
                    node = nth_counts(node, self.constants) or node
            case t.SegmentRef(params=params):
                with self.constants.parameters(params):
                    return plan.map_children(node, self.expr)
        return plan.map_children(node, self.expr)


def nth_counts(node: plan.DateRange, constants: Constants) -> t.Expr | None:
    """The date of `nth_time(E, n)` (no window) within [first, last]: `count(E before first) < n and count(E) >= n`
    (with a last: `count(E before last + 1 day) >= n`), counts of the pass instead of the n smallest times of each
    customer's events (second_order_this_month: `nth_time(orders where paid, 2) >= start_of_month(today)`). Exact:
    the n-th time (ties counted one by one) is on or after a day exactly when fewer than n of the times are before
    it, and exists exactly when there are n; a customer whose events fail the guard has neither."""
    nth = plan.unwrap(node.subject)
    if node.empty or not isinstance(nth, plan.Aggregate) or nth.func != "nth_time" or nth.window is not None \
            or nth.arg is None:
        return None
    n = t.Literal(constants.amount(nth.arg), t.INTEGER)

    def count(before: dt.date | None) -> plan.Aggregate:
        window = t.BeforeWindow(t.Literal(before, t.DATE)) if before is not None else None
        return plan.Aggregate("count", nth.event, None, nth.on_events, nth.on_customer, window, t.INTEGER,
                              nth.guarded, span=nth.span)

    conditions: list[t.Expr] = []
    if node.first is not None:
        conditions.append(t.Compare("<", cast(t.Expr, count(node.first)), n, span=node.span))
    last = node.last + dt.timedelta(days=1) if node.last is not None else None
    conditions.append(t.Compare(">=", cast(t.Expr, count(last)), n, span=node.span))
    return conditions[0] if len(conditions) == 1 else t.And(tuple(conditions), span=node.span)


def lifted_guard(node: t.Compare, constants: Constants) -> plan.Lifted | None:
    """An aggregate compared here whose `where` has conditions on the customer alone, when the comparison is never
    true where they fail (the aggregate is then empty: NULL, or 0 for a count or sum compared with a constant that 0
    fails): `<conditions> AND <aggregate without them> <op> …`, so that the engine filters customers before joining,
    instead of `COALESCE(CASE WHEN <conditions> THEN … END, 0) <op> …`."""
    for side, other, flip in ((node.left, node.right, False), (node.right, node.left, True)):
        aggregate = plan.unwrap(side)
        if not isinstance(aggregate, plan.Aggregate) or not aggregate.on_customer:
            continue
        if aggregate.func in EMPTY_IS_ZERO:
            known = constants.constant(other)
            operands = (known, 0) if flip else (0, known)
            if _holds(node.op, *operands) is not False:
                continue
        unguarded = plan.rebuild(aggregate, {"guarded": False})
        left, right = (unguarded if s is aggregate else s for s in (plan.unwrap(node.left), plan.unwrap(node.right)))
        return plan.Lifted(node.op, left, right, aggregate.on_customer, span=node.span)
    return None


def bare_coalesce(node: t.Compare, constants: Constants) -> plan.Uncoalesced | None:
    """`coalesce(x, k) >= 200` where `k >= 200` is false: `x >= 200`, which is false exactly where x is missing (NULL,
    read as false where a condition is used) and lets the engine read the column alone."""
    for side, other, flip in ((node.left, node.right, False), (node.right, node.left, True)):
        call = plan.unwrap(side)
        if not (isinstance(call, t.Call) and call.name == "coalesce" and len(call.args) == 2):
            continue
        known, default = constants.constant(other), constants.constant(call.args[1])
        if _holds(node.op, *((known, default) if flip else (default, known))) is False:
            left, right = (other, call.args[0]) if flip else (call.args[0], other)
            return plan.Uncoalesced(node.op, left, right, span=node.span)
    return None


def date_range(node: t.Compare | t.Between, constants: Constants) -> plan.DateRange | None:
    """`age between 25 and 40` (age = years_between(birth_date, today)), `birth_date + 18 years <= today`,
    `year(signup_at) = 2026`, with constants on the other side (a pinned as-of date among them): the dates for
    which the comparison holds, found at compile time, as a range on the date itself (`c.birth_date BETWEEN
    DATE … AND DATE …`), which engines check from the column alone (and skip row groups by) instead of
    computing the function for every row. Exact by construction: the function is monotone in the date, and
    the range is searched with the calendar arithmetic the SQL does (segql.compile.dates); None otherwise."""
    if isinstance(node, t.Between):
        low, high = constants.constant(node.low), constants.constant(node.high)
        found = _monotone(node.subject, constants)
        if found is None or low is None or high is None:
            return None
        ranges = [(op, k) for op, k in ((">=", low), ("<=", high))]
    else:
        found = _monotone(node.left, constants)
        known = constants.constant(node.right)
        op = node.op
        if found is None:
            found, known, op = _monotone(node.right, constants), constants.constant(node.left), _FLIPPED[node.op]
        if found is None or known is None:
            return None
        ranges = [(op, known)]
    subject, function, increasing, kind = found
    if not all(_comparable(kind, k) for _, k in ranges):
        return None
    days = _interval(function, increasing, tuple(ranges))
    if days is None:
        return plan.DateRange(subject, None, None, empty=True, span=node.span)
    return plan.DateRange(subject, *days, span=node.span)


def annual_days(node: t.Compare | t.Between, constants: Constants) -> plan.AnnualDays | None:
    """`days_until(next_anniversary(birth_date)) < 7`, `next_anniversary(x) <= today + 1 month`: a comparison that
    reads a date only through `next_anniversary` of it, with a pinned as-of date, depends on its month and day alone.
    It is decided at compile time for each of the 366, and becomes a test of the month and day (a few ranges of
    them) instead of the calendar arithmetic per row. Exact: each (month, day) is decided by the same folding the
    compiler does for known dates (Feb 29 falls on Feb 28 in common years, as next_anniversary does)."""
    if constants.as_of is None:
        return None
    calls = [n for n in _walk(node) if isinstance(n, t.Call) and n.name == "next_anniversary"]
    subjects = {call.args[0] for call in calls}
    if len(subjects) != 1:
        return None
    (subject,) = subjects
    if constants.known_date(subject) is not None or not _is_date(subject):
        return None
    try:
        anniversaries = dates.anniversaries(constants.as_of)
    except dates.OutOfCalendar:
        return None
    solved = date_range(node, constants)  # a monotone function of the anniversary: a range of anniversaries
    if solved is not None and any(plan.unwrap(solved.subject) is call for call in calls):
        first, last = solved.first, solved.last
        chosen = [not solved.empty and (first is None or first <= a) and (last is None or a <= last)
                  for a in anniversaries]
    else:  # decided for each anniversary by folding the comparison
        chosen = []
        for a in anniversaries:
            holds = _decided(_replaced(node, calls, t.Literal(a, t.DATE)), constants)
            if holds is None:
                return None  # something else in the comparison is not known at compile time
            chosen.append(holds)
    runs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for month_day, holds, previous in zip(dates.MONTH_DAYS, chosen, [False, *chosen[:-1]], strict=True):
        if holds:
            runs.append((month_day, month_day) if not previous else (runs.pop()[0], month_day))
    return plan.AnnualDays(subject, tuple(runs), span=node.span)


def _walk(node: Any) -> list[Any]:
    found = [node]
    for child in plan.children(node):
        found += _walk(child)
    return found


def _replaced(node: Any, targets: list[Any], by: Any) -> Any:
    if any(node is target for target in targets):
        return by
    return plan.map_children(node, lambda child: _replaced(child, targets, by))


def _decided(node: t.Compare | t.Between, constants: Constants) -> bool | None:
    """The comparison's truth when both sides are numbers known at compile time; else None."""
    if isinstance(node, t.Between):
        low, high = (_decided(t.Compare(op, node.subject, bound), constants)
                     for op, bound in ((">=", node.low), ("<=", node.high)))
        return None if low is None or high is None else low and high
    a, b = constants.constant(node.left), constants.constant(node.right)
    return _holds(node.op, a, b)


def _monotone(node: plan.Expr, constants: Constants) -> tuple[plan.Expr, tuple[Any, ...], bool, str] | None:
    """(x, f, increasing, "number" or "date") when the node is f(the date of x) for f monotone and x the one operand
    not known at compile time, f given as a key of `_FUNCTIONS` and its constants; else None."""
    node = plan.unwrap(node)
    match node:
        case t.Call(name="years_between" | "days_between" as name, args=(a, b)):
            since, until = constants.known_date(a), constants.known_date(b)
            if until is not None and since is None and _is_date(a):
                return a, (f"{name}_until", until), False, "number"
            if since is not None and until is None and _is_date(b):
                return b, (f"{name}_since", since), True, "number"
        case t.Call(name="days_since", args=(a,)):
            if constants.as_of is not None and constants.known_date(a) is None and _is_date(a):
                return a, ("days_between_until", constants.as_of), False, "number"
        case t.Call(name="year", args=(a,)):
            if constants.known_date(a) is None and _is_date(a):
                return a, ("year",), True, "number"
        case t.Call(name="next_anniversary", args=(a,)):  # the anniversary itself (see annual_days)
            if constants.known_date(a) is None and _is_date(a):
                return node, ("date",), True, "date"
        case t.Call(name="days_until", args=(a,)):
            if constants.as_of is not None and constants.known_date(a) is None and _is_date(a):
                return a, ("days_between_since", constants.as_of), True, "number"
        case t.Call(name="start_of_week" | "start_of_month" | "start_of_quarter" | "start_of_year" as name,
                    args=(a, *rest)):
            if constants.known_date(a) is None and _is_date(a):
                week_start = rest[0].value if rest and isinstance(rest[0], t.Literal) else 1
                return a, ("start_of", name.removeprefix("start_of_"), week_start), True, "date"
        case t.Call(name="date", args=(a,)):  # a timestamp's date compared with a date: from day starts
            if a.type == t.TIMESTAMP and constants.constant(a) is None:
                return a, ("date",), True, "date"
        case t.Arith(op="+" | "-" as op, left=left, right=t.Duration(unit=unit) as duration):
            if left.type == t.DATE and unit != "hour" and constants.constant(left) is None:
                return left, ("add", constants.amount(duration.amount, op), unit), True, "date"
    return None


_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

# The monotone functions of a date `date_range` turns into ranges, by key: (key, *constants) → f(day).
_FUNCTIONS: dict[str, Any] = {
    "years_between_until": lambda until: lambda day: dates.years_between(day, until),
    "years_between_since": lambda since: lambda day: dates.years_between(since, day),
    "days_between_until": lambda until: lambda day: (until - day).days,
    "days_between_since": lambda since: lambda day: (day - since).days,
    "year": lambda: lambda day: day.year,
    "date": lambda: lambda day: day,
    "start_of": lambda unit, week_start: lambda day: dates.period_start(day, unit, week_start),
    "add": lambda amount, unit: lambda day: dates.add(day, amount, unit),
}


@functools.lru_cache(maxsize=4096)
def _interval(function: tuple[Any, ...], increasing: bool,
              ranges: tuple[tuple[str, Any], ...]) -> tuple[dt.date | None, dt.date | None] | None:
    """The dates for which f(day) <op> k holds for every (op, k): searched once per function and constants (a
    project compiles the same `age` comparison with the same as-of date in many segments)."""
    name, *constants = function
    f = _FUNCTIONS[name](*constants)

    def below(v: Any) -> bool:
        return any(op in ("=", ">=") and v < k or op == ">" and v <= k for op, k in ranges)

    def above(v: Any) -> bool:
        return any(op in ("=", "<=") and v > k or op == "<" and v >= k for op, k in ranges)

    return dates.interval(f, increasing, below, above)


def _is_date(node: plan.Expr) -> bool:
    return node.type in (t.DATE, t.TIMESTAMP)


def _comparable(kind: str, value: object) -> bool:
    """Is a constant one the function's values can be compared with in Python as in SQL?"""
    if kind == "number":
        return _is_number(value)
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _holds(op: str, a: object, b: object) -> bool | None:
    """a <op> b for two numbers known at compile time; None when either is not a number."""
    if not (_is_number(a) and _is_number(b)):
        return None
    match op:
        case "=":
            return a == b
        case "<":
            return a < b  # type: ignore[operator]
        case "<=":
            return a <= b  # type: ignore[operator]
        case ">":
            return a > b  # type: ignore[operator]
        case ">=":
            return a >= b  # type: ignore[operator]
    return None


def _both(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return True if a and b else None


# ---- rewrites of a lowered pass and of the ranks table (they compare SQL) ----


def widest_window(bounds: list[Bound | None], date_sql: Callable[[Bound], exp.Expression],
                  dialect: SqlDialect) -> Bound | None:
    """The first date any of a pass's aggregates can count (the widest window's), None when one is unbounded below:
    the pass then reads only events from that date."""
    if not bounds or any(b is None for b in bounds):
        return None
    known = [b for b in bounds if isinstance(b, dt.date)]
    computed: list[exp.Expression] = []
    for b in bounds:
        if isinstance(b, exp.Expression) and b not in computed:
            computed.append(b)
    if not computed:
        return min(known)
    items = ([date_sql(min(known))] if known else []) + [b.copy() for b in computed]
    return items[0] if len(items) == 1 else dialect.least(items)


def common_conditions(p: EventPass) -> list[exp.Expression]:
    """The conditions in every aggregate's filter: rows failing one count for no aggregate, so the pass's WHERE
    drops them before grouping (a single `has`/`count` then scans only its own rows)."""
    if not p.specs or any(s.filter is None for s in p.specs):
        return []
    first, *others = [sql.conjuncts(s.filter) for s in p.specs if s.filter is not None]
    sets = [set(other) for other in others]  # hashing each node once: sqlglot's == hashes both sides every time
    return [c for c in first if all(c in other for other in sets)]


def residual(filter: exp.Expression | None, implied: list[exp.Expression]) -> exp.Expression | None:
    """The conjuncts of an aggregate's filter not among those the pass's WHERE already makes true of every row it
    reads (None when nothing is left)."""
    if filter is None or not implied:
        return filter
    known = set(implied)
    left = [c for c in sql.conjuncts(filter) if c not in known]
    return sql.and_(left) if left else None


def distinct_value(p: EventPass, d: SqlDialect) -> exp.Expression | None:
    """The value the pass's COUNT(DISTINCT …) aggregates count, when the dialect had better group by customer and
    value first and they all count the same value; else None.

    DuckDB gives each DISTINCT aggregate a hash table of its own, which can cost more than the rest of a narrow pass
    together; grouping by customer and value first instead makes every other aggregate work on more groups and be
    combined again. At 10M events the second way wins while DISTINCT aggregates are at least a quarter of the others
    (benchmarks/: store_first_mobile_now 1.05× → 0.8× its hand-written query), and loses in wide passes (the
    50-segment memberships query's orders pass, 3 of 37 aggregates: 1.5 → 1.9 s)."""
    if not d.distinct_by_grouping or any(s.func in UNSPLITTABLE for s in p.specs):
        return None
    distinct = [s for s in p.specs if s.func == "count_distinct"]
    values = {s.value for s in distinct}
    if len(values) != 1 or 4 * len(distinct) < len(p.specs) - len(distinct):
        return None
    (value,) = values
    return value


def distinct_apart(p: EventPass, d: SqlDialect) -> list[tuple[exp.Expression, list[AggregateSpec]]]:
    """The pass's COUNT(DISTINCT …) aggregates, per value they count, when the dialect had better compute them in
    passes of their own (each grouped by customer and value, then by customer) joined to the rest by key; [] when
    they stay inside it (none, nothing else, or `distinct_value` groups the whole pass by their one value).

    DuckDB computes a grouping with DISTINCT aggregates by materializing its whole projected input and grouping it
    again per DISTINCT: in the 50-segment memberships query, four of the orders pass's 37 aggregates cost it as much
    as the other 33 together (2.5 against 1.4 s of CPU); apart, each reads only the rows with a value, and the
    passes joined cost 1.75 s."""
    if not d.distinct_by_grouping:
        return []
    distinct = [s for s in p.specs if s.func == "count_distinct"]
    if not distinct or len(distinct) == len(p.specs):
        return []
    groups: dict[exp.Expression, list[AggregateSpec]] = {}
    for spec in distinct:
        assert spec.value is not None
        groups.setdefault(spec.value, []).append(spec)
    return list(groups.items())


def rank_only_with_value(ranked: list[tuple[exp.Expression, bool]]) -> bool:
    """One ranked value that can be missing: the ranks table need hold only the customers with one (the others join
    to no row, and get no rank, as they should)."""
    return len(ranked) == 1 and ranked[0][1]
