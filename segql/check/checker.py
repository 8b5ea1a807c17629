"""The checker: resolves names against the schema, infers and checks types, lowers sugar.

Every user mistake becomes a Diagnostic; checking goes on after one, with `error`-typed nodes
that never cause a second diagnostic. Imports no lark, no yaml, no sqlglot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from segql import ast
from segql.check import tree as t
from segql.check.functions import (
    AGGREGATES,
    EVENT_AGGREGATES,
    FUNCTIONS,
    POSITIONAL_AGGREGATES,
    TIMED_AGGREGATES,
    common_type,
)
from segql.check.params import parse_value
from segql.diagnostics import Diagnostic, did_you_mean
from segql.project import Channel
from segql.schema import Attribute, Event, Schema
from segql.source import Span
from segql.types import (
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    ERROR,
    FLOAT,
    INTEGER,
    NULL,
    SCALAR_TYPES,
    STRING,
    TIMESTAMP,
    Type,
)

CONDITIONS = (t.Compare, t.Between, t.InList, t.IsNull, t.Match, t.Not, t.And, t.Or, t.Truth, t.SegmentRef,
              t.Sequence)
MAX_STEPS = 5  # of a sequence (DESIGN §3.10)
BUCKETS = 10000  # bucket(salt) is 0 … 9999; a split's percentage takes 100 of them per percent
PERIOD_UNITS = ("week", "month", "quarter", "year")  # of `in this …` and `in previous …`
WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}


@dataclass(slots=True)
class CheckResult:
    segments: dict[str, t.CheckedSegment]
    traits: dict[str, t.Expr]
    diagnostics: list[Diagnostic]


@dataclass(frozen=True, slots=True)
class Scope:
    event: Event | None = None  # inside an aggregate's `where` over this event
    params: dict[str, t.ParamSpec] | None = None  # None inside a trait
    trait: str = ""
    # inside a sequence step's `where`: the `as` names of the earlier steps (their events), and the step's own
    steps: Mapping[str, Event] | None = None
    own: str = ""
    sequence_aliases: frozenset[str] = frozenset()  # every `as` name of the sequence, later steps' included


def check_project(schema: Schema, segments: list[ast.SegmentDef],
                  channels: Mapping[str, Channel] | None = None, week_start: int = 1) -> CheckResult:
    """Check every trait and every segment; duplicate names and cycles included. A segment sent
    through a channel gets that channel's consent condition added to its own (`and`). `week_start` is the ISO
    weekday weeks start on (segql.yml's `week_start`: 1 Monday, 7 Sunday)."""
    checker = Checker(schema, segments, channels or {}, week_start)
    for name in schema.traits:
        span = schema.traits[name].span
        _guarded(checker, span, checker.trait, name, span)
    for channel in checker.channels.values():
        _guarded(checker, channel.span, checker.consent_condition, channel)
    for seg in segments:
        _guarded(checker, seg.span, checker.segment, seg.name, seg.span, seg)
    return CheckResult(
        {k: v for k, v in checker.segments_done.items() if v is not None},
        {k: v for k, v in checker.traits_done.items() if v is not None},
        checker.problems,
    )


def _guarded(checker: Checker, span: Span, step: Any, *args: Any) -> None:
    """Chains of traits or segment references thousands deep could exhaust the stack: say so."""
    try:
        step(*args)
    except RecursionError:
        checker.trait_stack.clear()
        checker.segment_stack.clear()
        checker.error("E117", "traits or segment references are nested too deeply to check", span,
                      "too deeply nested", "shorten the chain of traits or `in segment` references")


class Checker:
    def __init__(self, schema: Schema, segments: list[ast.SegmentDef], channels: Mapping[str, Channel],
                 week_start: int = 1) -> None:
        self.schema = schema
        self.channels = channels
        self.week_start = week_start
        self.consents: dict[str, t.Expr] = {}
        self.problems: list[Diagnostic] = []
        self.defs: dict[str, ast.SegmentDef] = {}
        folded: dict[str, ast.SegmentDef] = {}  # warehouses fold names: `vip` and `VIP` would be one view
        for seg in segments:
            first = self.defs.get(seg.name)
            if first is not None and first is not seg:
                self.error("E220", f"segment `{seg.name}` is defined twice", seg.span,
                           f"first defined at {first.span.path}:{first.span.line}",
                           "segment names are unique across a project; rename one")
                continue
            other = folded.setdefault(seg.name.lower(), seg)
            if other is not seg:
                self.error("E220", f"segment `{seg.name}` differs from segment `{other.name}` only in case", seg.span,
                           f"`{other.name}` is defined at {other.span.path}:{other.span.line}",
                           "warehouses do not tell such names apart (one view or table would hold both); rename one")
            self.defs[seg.name] = seg
        self.traits_done: dict[str, t.Expr | None] = {}
        self.trait_stack: list[str] = []
        self.segments_done: dict[str, t.CheckedSegment | None] = {}
        self.segment_stack: list[str] = []
        self.reported_cycles: set[frozenset[str]] = set()

    def error(self, code: str, message: str, span: Span, label: str = "", hint: str = "") -> None:
        self.problems.append(Diagnostic(code, message, span, label, hint))

    # ---- traits and segments ----

    def trait(self, name: str, span: Span) -> t.Expr | None:
        if name in self.traits_done:
            return self.traits_done[name]
        if name in self.trait_stack:
            cycle = self.trait_stack[self.trait_stack.index(name):] + [name]
            if frozenset(cycle) not in self.reported_cycles:
                self.reported_cycles.add(frozenset(cycle))
                self.error("E218", "cycle among traits: " + " → ".join(cycle), span, "this reference closes the cycle",
                           "a trait cannot depend on itself; break the cycle")
            return None
        self.trait_stack.append(name)
        trait = self.schema.traits[name]
        expr: t.Expr | None
        if trait.sql:
            expr = t.SqlTrait(name, trait.sql, trait.type or ERROR, span=trait.span)
        elif trait.expr is not None:
            expr = self.expr(trait.expr, Scope(trait=name))
        else:
            expr = None  # its declaration failed, and said so
        self.trait_stack.pop()
        self.traits_done[name] = expr
        return expr

    def segment(self, name: str, span: Span, top: ast.SegmentDef | None = None) -> t.CheckedSegment | None:
        if top is not None and self.defs.get(name) is not top:
            return None  # a duplicate definition, already reported
        if name in self.segments_done:
            return self.segments_done[name]
        if name in self.segment_stack:
            cycle = self.segment_stack[self.segment_stack.index(name):] + [name]
            if frozenset(cycle) not in self.reported_cycles:
                self.reported_cycles.add(frozenset(cycle))
                self.error("E219", "cycle among segments: " + " → ".join(cycle), span,
                           "this reference closes the cycle", "a segment cannot include itself; break the cycle")
            return None
        seg = self.defs[name]
        self.segment_stack.append(name)
        before = len(self.problems)
        params = self.params(seg)
        scope = Scope(params={p.name: p for p in params})
        groups: tuple[t.Group, ...] = ()
        kind = ""
        if seg.priority:
            condition, groups = self.priority_list(seg, scope)
            kind = "priority"
        else:
            condition = self.cond(seg.where, scope)
        if seg.channel:
            condition = self.consent(seg, condition)
        if seg.splits is not None:
            groups, kind = self.splits(seg.splits, condition), "splits"
        self.segment_stack.pop()
        refs: set[str] = set()
        _collect_refs(condition, refs)
        checked = t.CheckedSegment(name, condition, params, seg, tuple(sorted(refs)), seg.channel, groups, kind)
        # a segment is usable only if nothing in it failed, including segments it refers to
        failed = len(self.problems) != before or _has_error(condition)
        self.segments_done[name] = None if failed else checked
        return self.segments_done[name]

    def splits(self, splits: ast.Splits, condition: t.Expr) -> tuple[t.Group, ...]:
        """The groups of a segment's splits: consecutive ranges of bucket(salt), in the order written, each of
        `percent` × 100 buckets; membership in a group is the segment's condition and its range."""
        total = sum((g.percent for g in splits.groups), Decimal(0))
        for g in splits.groups:
            if g.percent < 0 or g.percent != g.percent.quantize(Decimal("0.01")):
                self.error("E261", f"the share of group `{g.name}` must be a percentage with at most 2 decimals, "
                           f"not {g.percent}", g.span, "not a percentage like 12.5",
                           "write the group's share of the segment in percent, e.g. `holdout: 10`")
                return ()
        if total != 100:
            self.error("E260", f"the groups of `splits` add up to {total}%, not 100%", splits.span,
                       f"{' + '.join(str(g.percent) for g in splits.groups)} = {total}",
                       "the shares are percentages of the segment's members; make them sum to 100")
            return ()
        key = self.schema.attributes.get(self.schema.key)
        if key is None or key.type.kind not in ("integer", "string", "enum"):
            self.error("E259", "`splits` needs the customer key to be an integer or a string", splits.span,
                       "no stable text for this key", "bucket hashes the key's text, the same on every engine "
                       "only for integers and strings")
            return ()
        salt = t.Literal(splits.salt, STRING, span=splits.salt_span)
        bucket = t.Call("bucket", (salt, _column("customer", "", key, splits.span)), INTEGER, span=splits.span)
        groups = []
        low = 0
        for g in splits.groups:
            high = low + int(g.percent * 100)
            span = g.span
            if low == high:
                rng: t.Expr = t.Truth(t.Literal(False, BOOLEAN, span=span), span=span)
            elif high == BUCKETS:
                rng = t.Compare(">=", bucket, t.Literal(low, INTEGER, span=span), span=span)
            elif low == 0:
                rng = t.Compare("<", bucket, t.Literal(high, INTEGER, span=span), span=span)
            else:
                rng = t.Between(bucket, t.Literal(low, INTEGER, span=span), t.Literal(high - 1, INTEGER, span=span),
                                span=span)
            items = (*condition.items, rng) if isinstance(condition, t.And) else (condition, rng)
            groups.append(t.Group(g.name, t.And(items, span=span), span=span))
            low = high
        return tuple(groups)

    def priority_list(self, seg: ast.SegmentDef, scope: Scope) -> tuple[t.Expr, tuple[t.Group, ...]]:
        """A priority list's condition (the union of its segments) and its groups: each customer in the first of
        its segments whose condition holds."""
        refs: list[t.Expr] = []
        names: list[str] = []
        seen: dict[str, ast.InSegment] = {}
        for item in seg.priority:
            if item.name == seg.name:
                self.error("E263", f"priority list `{seg.name}` names itself", item.name_span, "the list itself",
                           "a priority list names the segments it chooses between")
                continue
            if item.name in seen:
                first = seen[item.name]
                self.error("E264", f"priority list `{seg.name}` names `{item.name}` twice", item.name_span,
                           f"already at line {first.name_span.line}",
                           "a segment has one place in a priority list; remove one of them")
                continue
            seen[item.name] = item
            refs.append(self.in_segment(item, scope))
            names.append(item.name)
        if not refs:
            return _bad(seg.span), ()
        span = seg.span
        condition = refs[0] if len(refs) == 1 else t.Or(tuple(refs), span=span)
        groups = []
        for i, (name, ref) in enumerate(zip(names, refs, strict=True)):
            earlier = refs[:i]
            if not earlier:
                groups.append(t.Group(name, ref, span=ref.span))
                continue
            above = earlier[0] if len(earlier) == 1 else t.Or(tuple(earlier), span=span)
            groups.append(t.Group(name, t.And((ref, t.Not(above, span=span)), span=ref.span), span=ref.span))
        return condition, tuple(groups)

    def consent(self, seg: ast.SegmentDef, condition: t.Expr) -> t.Expr:
        """The segment's condition with its channel's consent condition in front of it."""
        channel = self.channels.get(seg.channel)
        if channel is None:
            known = ", ".join(f"`{c}`" for c in self.channels) or "none"
            self.error("E236", f"unknown channel `{seg.channel}`", seg.channel_span, "no consent rule for this channel",
                       did_you_mean(seg.channel, self.channels)
                       or f"declare it under `channels:` in segql.yml (declared: {known})")
            return condition
        required = self.consent_condition(channel)
        span = seg.span
        if isinstance(condition, t.And):
            return t.And((required, *condition.items), span=span)
        return t.And((required, condition), span=span)

    def consent_condition(self, channel: Channel) -> t.Expr:
        """A channel's `requires`, checked once like a trait (no parameters)."""
        if channel.name not in self.consents:
            self.consents[channel.name] = self.cond(channel.requires, Scope())
        return self.consents[channel.name]

    def params(self, seg: ast.SegmentDef) -> tuple[t.ParamSpec, ...]:
        out = []
        for p in seg.params:
            typ = SCALAR_TYPES[p.type]
            default = None
            if p.default is not None:
                try:
                    default = parse_value(p.default, typ)
                except ValueError as err:
                    self.error("E226", f"the default of parameter `{p.name}` is not {_a(typ)}: {err}",
                               p.default_span, f"not {_a(typ)}", f"give {_a(typ)} value")
            out.append(t.ParamSpec(p.name, typ, default, span=p.span))
        return tuple(out)

    # ---- conditions ----

    def cond(self, node: ast.Expr, scope: Scope) -> t.Expr:
        """A condition: true or false for every customer."""
        expr = self.expr(node, scope)
        if isinstance(expr, CONDITIONS) or expr.type.is_error:
            return expr
        if isinstance(expr, t.TraitRef) and isinstance(expr.expr, CONDITIONS):
            return expr
        if expr.type == BOOLEAN:
            return t.Truth(expr, span=expr.span)
        hint = ""
        if expr.type.is_numeric:
            hint = "compare it with something, e.g. `… > 0`"
        elif expr.type.is_textual:
            hint = 'compare it with something, e.g. `… = "value"`'
        self.error("E213", f"expected a condition, found a value of type {_show(expr.type)}", node.span,
                   "not true or false", hint)
        return _bad(node.span)

    # ---- expressions ----

    def expr(self, node: ast.Expr, scope: Scope) -> t.Expr:
        match node:
            case ast.Number(value=value):
                return t.Literal(value, INTEGER if isinstance(value, int) else DECIMAL, span=node.span)
            case ast.String(value=value):
                return t.Literal(value, STRING, span=node.span)
            case ast.Boolean(value=value):
                return t.Literal(value, BOOLEAN, span=node.span)
            case ast.Null():
                return t.Literal(None, NULL, span=node.span)
            case ast.DateLit(value=value):
                return t.Literal(value, DATE, span=node.span)
            case ast.TimestampLit(value=value):
                return t.Literal(value, TIMESTAMP, span=node.span)
            case ast.Today():
                return t.Today(span=node.span)
            case ast.Now():
                return t.Now(span=node.span)
            case ast.Param():
                return self.param(node, scope)
            case ast.Duration():
                return self.duration(node, scope)
            case ast.Ago(duration=duration):
                d = self.duration(duration, scope)
                if d.type.is_error:
                    return d
                assert isinstance(d, t.Duration)
                base: t.Expr = t.Now(span=node.span) if d.unit == "hour" else t.Today(span=node.span)
                return t.Arith("-", base, d, base.type, span=node.span)
            case ast.ListLit():
                self.error("E110", "a list can only follow `in` or `not in`", node.span, "unexpected list")
                return _bad(node.span)
            case ast.Name():
                return self.name(node, scope)
            case ast.Call():
                return self.call(node, scope)
            case ast.Neg(operand=operand):
                inner = self.expr(operand, scope)
                if not (inner.type.is_numeric or inner.type.is_error):
                    self.error("E222", f"cannot negate a value of type {_show(inner.type)}", node.span,
                               "not a number")
                    return _bad(node.span)
                return t.Negate(inner, inner.type, span=node.span)
            case ast.BinOp():
                return self.binop(node, scope)
            case ast.Compare():
                return self.compare(node, scope)
            case ast.Between(subject=subject, low=low, high=high, negated=negated):
                s, lo, hi = self.expr(subject, scope), self.expr(low, scope), self.expr(high, scope)
                s1, lo = self.comparable(s, lo, node, low)
                s2, hi = self.comparable(s, hi, node, high)
                if s1.type.is_error or s2.type.is_error:
                    return _bad(node.span)
                if s1 is not s2:  # one bound made the subject compare by date: do so on both
                    lo = _as_date(lo) if lo.type == TIMESTAMP else lo
                    hi = _as_date(hi) if hi.type == TIMESTAMP else hi
                    s1 = s1 if s1.type == DATE else s2
                result: t.Expr = t.Between(s1, lo, hi, span=node.span)
                return t.Not(result, span=node.span) if negated else result
            case ast.InList(subject=subject, items=items, negated=negated):
                s = self.expr(subject, scope)
                checked: list[t.Expr] = []
                for item in items.items:
                    s2, item_value = self.comparable(s, self.expr(item, scope), node, item)
                    if s2 is not s and not s2.type.is_error:
                        s = s2  # a timestamp compared by date
                    checked.append(item_value)
                if s.type.is_error or any(v.type.is_error for v in checked):
                    return _bad(node.span)
                checked = [_as_date(v) if s.type == DATE and v.type == TIMESTAMP else v for v in checked]
                result = t.InList(s, tuple(checked), span=node.span)
                return t.Not(result, span=node.span) if negated else result
            case ast.IsNull(subject=subject, negated=negated):
                s = self.expr(subject, scope)
                result = t.IsNull(s, span=node.span)
                return t.Not(result, span=node.span) if negated else result
            case ast.Match(op=op, subject=subject, pattern=pattern, negated=negated):
                s, p = self.expr(subject, scope), self.expr(pattern, scope)
                words = op.replace("_", " ")
                for side, source in ((s, subject), (p, pattern)):
                    if not (side.type.is_textual or side.type.is_error or side.type == NULL):
                        self.error("E217", f"`{words}` works on text, not on {_a(side.type)}", source.span,
                                   f"{_a(side.type)}", "convert it or compare with `=`")
                        return _bad(node.span)
                result = t.Match(op, s, p, span=node.span)
                return t.Not(result, span=node.span) if negated else result
            case ast.Not(operand=operand):
                return t.Not(self.cond(operand, scope), span=node.span)
            case ast.And(items=items):
                return t.And(tuple(self.cond(i, scope) for i in items), span=node.span)
            case ast.Or(items=items):
                return t.Or(tuple(self.cond(i, scope) for i in items), span=node.span)
            case ast.Aggregate():
                return self.aggregate(node, scope)
            case ast.Has(source=source, where=where, window=window, negated=negated):
                count = self.aggregate(ast.Aggregate("count", source, where, window, span=node.span,
                                                     func_span=node.span), scope)
                if count.type.is_error:
                    return count
                zero = t.Literal(0, INTEGER, span=node.span)
                return t.Compare("=" if negated else ">", count, zero, span=node.span)
            case ast.Sequence():
                return self.sequence(node, scope)
            case ast.InSegment():
                return self.in_segment(node, scope)
            case ast.TopBy(percent=percent, expr=inner):
                return self.top_by(node, percent, inner, scope)
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    # ---- pieces ----

    def param(self, node: ast.Param, scope: Scope) -> t.Expr:
        if scope.params is None:
            self.error("E206", f"traits cannot use parameters (`${node.name}`)", node.span, "not available in a trait",
                       "move the condition into a segment, which can declare `params:`")
            return _bad(node.span)
        spec = scope.params.get(node.name)
        if spec is None:
            hint = did_you_mean(node.name, scope.params)
            self.error("E206", f"unknown parameter `${node.name}`", node.span, "not declared in `params:`",
                       (hint.replace("`", "`$", 1) if hint else f"declare it: `params: {{{node.name}: {{type: decimal}}}}`"))
            return _bad(node.span)
        return t.Param(spec.name, spec.type, span=node.span)

    def duration(self, node: ast.Duration, scope: Scope) -> t.Expr:
        amount = self.amount(node.amount, scope)
        if amount is None:
            return _bad(node.span)
        return t.Duration(amount, node.unit, span=node.span)

    def amount(self, node: ast.Number | ast.Param, scope: Scope) -> t.Literal | t.Param | None:
        if isinstance(node, ast.Number):
            if not isinstance(node.value, int):
                self.error("E229", f"a duration counts whole units, not `{node.value}`", node.span, "not a whole number",
                           "use a smaller unit, e.g. `36 hours` instead of `1.5 days`")
                return None
            return t.Literal(node.value, INTEGER, span=node.span)
        p = self.param(node, scope)
        if p.type.is_error:
            return None
        if p.type != INTEGER:
            self.error("E229", f"a duration needs a whole number, but `${node.name}` is a {p.type}", node.span,
                       "not an integer parameter", "declare the parameter as `integer`")
            return None
        assert isinstance(p, t.Param)
        return p

    def name(self, node: ast.Name, scope: Scope) -> t.Expr:
        schema = self.schema
        parts = node.parts
        if len(parts) == 1:
            (n,) = parts
            if scope.event is not None and n in scope.event.attributes:
                return _column("event", scope.event.name, scope.event.attributes[n], node.span)
            if n in schema.attributes:
                return _column("customer", "", schema.attributes[n], node.span)
            if n in schema.traits:
                return self.trait_ref(n, node.span, scope)
            if n in schema.events:
                self.error("E225", f"`{n}` is an event, not a value", node.span, "an event table",
                           f"aggregate it, e.g. `count({n}) > 0` or `has {n}`")
                return _bad(node.span)
            if n in schema.lookups:
                some = next(iter(schema.lookups[n].attributes), "…")
                self.error("E203", f"`{n}` is a lookup, not a value", node.span, "a lookup table",
                           f"name one of its attributes, e.g. `{n}.{some}`")
                return _bad(node.span)
            candidates = [*schema.attributes, *schema.traits]
            if scope.event is not None:
                candidates += list(scope.event.attributes)
            dotted = [f"{lk}.{a}" for lk, look in schema.lookups.items() for a in look.attributes if a == n]
            dotted += [f"{ev}.{a}" for ev, e in schema.events.items() for a in e.attributes if a == n]
            hint = f"did you mean `{dotted[0]}`?" if dotted else did_you_mean(n, candidates)
            where = f"event `{scope.event.name}` or `{schema.entity}`" if scope.event else f"`{schema.entity}`"
            near_trait = did_you_mean(n, schema.traits)
            if near_trait and near_trait == hint:  # closest to a trait: most likely a misspelt trait
                self.error("E204", f"unknown trait `{n}`", node.span, "not a trait of the schema",
                           near_trait.replace("you mean", "you mean the trait"))
                return _bad(node.span)
            self.error("E201", f"unknown attribute `{n}`", node.span, f"not an attribute or trait of {where}", hint)
            return _bad(node.span)
        owner, attr = parts[0], parts[1]
        if scope.own and owner == scope.own and scope.event is not None:  # the step's own `as` name
            if attr in scope.event.attributes:
                return _column("event", scope.event.name, scope.event.attributes[attr], node.span)
            return self.unknown_attr(attr, scope.event.attributes, f"step `{owner}` (event `{scope.event.name}`)", node)
        if scope.steps and owner in scope.steps:
            event = scope.steps[owner]
            if attr in event.attributes:
                return _column("step", owner, event.attributes[attr], node.span)
            return self.unknown_attr(attr, event.attributes, f"step `{owner}` (event `{event.name}`)", node)
        if owner in scope.sequence_aliases:
            self.error("E253", f"step `{owner}` comes later in the sequence, so `{node.dotted}` is not known here",
                       _part_span(node, 0), "a later step",
                       "a step's `where` can read the steps before it: move the comparison to the later step")
            return _bad(node.span)
        if scope.steps is not None and owner not in schema.lookups and owner not in schema.events \
                and owner != schema.entity:
            known = [*(scope.steps or {}), *([scope.own] if scope.own else [])]
            self.error("E253", f"unknown step `{owner}`", _part_span(node, 0), "no step has this `as` name",
                       did_you_mean(owner, [*known, *schema.lookups])
                       or ("the steps before it are named " + ", ".join(f"`{k}`" for k in known) if known
                           else "name a step with `as`, e.g. `has product_views as v … then orders where "
                           "product_id = v.product_id`"))
            return _bad(node.span)
        if owner == schema.entity:
            if attr in schema.attributes:
                return _column("customer", "", schema.attributes[attr], node.span)
            return self.unknown_attr(attr, schema.attributes, f"`{schema.entity}`", node)
        if owner in schema.lookups:
            look = schema.lookups[owner]
            if attr in look.attributes:
                return _column("lookup", owner, look.attributes[attr], node.span)
            return self.unknown_attr(attr, look.attributes, f"lookup `{owner}`", node)
        if owner in schema.events:
            event = schema.events[owner]
            if attr not in event.attributes:
                return self.unknown_attr(attr, event.attributes, f"event `{owner}`", node)
            if scope.event is not None and scope.event.name == owner:
                return _column("event", owner, event.attributes[attr], node.span)
            self.error("E225", f"`{node.dotted}` is an attribute of each `{owner}` event, not of the customer",
                       node.span, "outside an aggregate",
                       f"aggregate it, e.g. `max({node.dotted})` or `has {owner} where {attr} …`")
            return _bad(node.span)
        candidates = [schema.entity, *schema.lookups, *schema.events]
        self.error("E203", f"unknown lookup or event `{owner}`", _part_span(node, 0), "not in the schema",
                   did_you_mean(owner, candidates) or "lookups and events are declared in schema.yml")
        return _bad(node.span)

    def unknown_attr(self, attr: str, attributes: dict[str, Attribute], where: str, node: ast.Name) -> t.Expr:
        self.error("E201", f"unknown attribute `{attr}` of {where}", _part_span(node, 1),
                   f"not an attribute of {where}", did_you_mean(attr, attributes))
        return _bad(node.span)

    def trait_ref(self, name: str, span: Span, scope: Scope) -> t.Expr:
        expr = self.trait(name, span)
        if expr is None:
            return _bad(span)
        if scope.event is not None and _has_population(expr):
            self.error("E221", f"trait `{name}` aggregates events, so it cannot be used inside an aggregate's `where`",
                       span, "an aggregate inside an aggregate", "compare the trait outside the aggregate")
            return _bad(span)
        return t.TraitRef(name, expr, expr.type, span=span)

    def call(self, node: ast.Call, scope: Scope) -> t.Expr:
        fn = FUNCTIONS.get(node.name)
        if fn is None:
            names = [*FUNCTIONS, *AGGREGATES]
            hint = did_you_mean(node.name, names)
            lowered = node.name.lower()
            if lowered in AGGREGATES:
                hint = f"write `{lowered}` in lower case"
            self.error("E207", f"unknown function `{node.name}`", node.name_span, "not a function of segql",
                       hint or "see docs/language.md for the functions")
            return _bad(node.span)
        args = [self.expr(a, scope) for a in node.args]
        count = len(args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            self.error("E216", f"`{fn.name}` takes {_arity(fn.min_args, fn.max_args)}, got {count}", node.span,
                       f"{count} argument{'s' if count != 1 else ''}", f"call it as `{fn.signature()}`")
            return _bad(node.span)
        for i, (arg, source) in enumerate(zip(args, node.args, strict=True)):
            kind = fn.kind_of(i)
            if not fn.accepts(kind, arg.type):
                self.error("E217", f"argument {i + 1} of `{fn.name}` must be a {kind}, not {_a(arg.type)}",
                           source.span, f"{_a(arg.type)}", _conversion_hint(arg, kind))
                return _bad(node.span)
        if any(a.type.is_error for a in args):
            return _bad(node.span)
        if fn.name == "percentile":
            if scope.event is not None:
                self.error("E221", "percentile compares customers, so it cannot be used inside an aggregate's `where`",
                           node.span, "not per event")
                return _bad(node.span)
            if not (args[0].type.is_numeric or args[0].type.is_temporal):
                self.error("E217", f"percentile ranks numbers, dates or timestamps, not {_a(args[0].type)}",
                           node.args[0].span, "cannot be ranked")
                return _bad(node.span)
            return t.Percentile(args[0], span=node.span)
        if fn.name == "bucket" and not isinstance(args[0], t.Literal | t.Param):
            self.error("E259", "the salt of `bucket` must be a string written out or a string parameter",
                       node.args[0].span, "not a fixed text",
                       'a salt fixes who is in which bucket: write e.g. `bucket("spring_2026") < 1000`')
            return _bad(node.span)
        key = self.schema.attributes.get(self.schema.key)
        if fn.name == "bucket" and key is not None and key.type.kind not in ("integer", "string", "enum"):
            self.error("E259", f"`bucket` needs the key `{key.name}` to be an integer or a string, not {_a(key.type)}",
                       node.span, "no stable text for this key",
                       "bucket hashes the key's text, which only integers and strings have the same on every engine")
            return _bad(node.span)
        if fn.name == "bucket" and key is not None:  # what is hashed: the customer's key
            args.append(_column("customer", "", key, node.span))
        if fn.name == "start_of_week":  # the project's first day of the week, for the compiler and the evaluator
            args.append(t.Literal(self.week_start, INTEGER, span=node.span))
        if fn.name == "coalesce" and common_type([a.type for a in args]) is None:
            self.error("E211", "the arguments of `coalesce` have different types: "
                       + ", ".join(_show(a.type) for a in args), node.span, "types do not mix")
            return _bad(node.span)
        return t.Call(fn.name, tuple(args), fn.result([a.type for a in args]), span=node.span)

    def binop(self, node: ast.BinOp, scope: Scope) -> t.Expr:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        lt, rt, op = left.type, right.type, node.op
        if lt.is_error or rt.is_error:
            return _bad(node.span)
        if lt.is_numeric and rt.is_numeric:
            if op == "/":
                typ = FLOAT if FLOAT in (lt, rt) else DECIMAL
            elif op == "%":
                typ = INTEGER if lt == rt == INTEGER else (FLOAT if FLOAT in (lt, rt) else DECIMAL)
            else:
                typ = common_type([lt, rt]) or DECIMAL
            return t.Arith(op, left, right, typ, span=node.span)
        if op in "+-" and lt.is_temporal and rt == DURATION:
            assert isinstance(right, t.Duration)
            typ = TIMESTAMP if right.unit == "hour" else lt
            return t.Arith(op, left, right, typ, span=node.span)
        if op == "+" and lt == DURATION and rt.is_temporal:
            assert isinstance(left, t.Duration)
            return t.Arith(op, right, left, TIMESTAMP if left.unit == "hour" else rt, span=node.span)
        hint = ""
        if op == "-" and lt.is_temporal and rt.is_temporal:
            hint = "use `days_between(a, b)` for the days from a to b"
        elif lt.is_numeric and rt == DURATION or lt == DURATION and rt.is_numeric:
            hint = "durations are added to dates: `birth_date + 18 years`"
        elif lt.is_textual or rt.is_textual:
            hint = "`+` does not join text"
        self.error("E222", f"`{op}` cannot combine {_show(lt)} and {_show(rt)}", node.span, "types do not mix", hint)
        return _bad(node.span)

    def compare(self, node: ast.Compare, scope: Scope) -> t.Expr:
        if isinstance(node.right, ast.Null) or isinstance(node.left, ast.Null):
            other = node.left if isinstance(node.right, ast.Null) else node.right
            self.expr(other, scope)
            word = "is null" if node.op == "=" else "is not null"
            self.error("E212", f"`{node.op} null` is never true: a missing value equals nothing",
                       node.span, "comparison with null", f"write `{word}`" if node.op in ("=", "!=")
                       else "test for a missing value with `is null`")
            return _bad(node.span)
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        left, right = self.comparable(left, right, node, node.right)
        if left.type.is_error or right.type.is_error:
            return _bad(node.span)
        if node.op not in ("=", "!=") and BOOLEAN in (left.type, right.type):
            self.error("E222", f"`{node.op}` does not order true and false", node.span, "booleans have no order",
                       "compare with `=` or `!=`")
            return _bad(node.span)
        if node.op == "!=":
            return t.Not(t.Compare("=", left, right, span=node.span), span=node.span)
        return t.Compare(node.op, left, right, span=node.span)

    def comparable(self, left: t.Expr, right: t.Expr, node: ast.Node, right_node: ast.Node) -> tuple[t.Expr, t.Expr]:
        """Both sides if they can be compared (a timestamp against a date compares by date)."""
        lt, rt = left.type, right.type
        if lt.is_error or rt.is_error:
            return left, right
        if rt == NULL or lt == NULL:
            self.error("E212", "a comparison with null is never true", right_node.span, "null",
                       "test for a missing value with `is null`")
            return _bad(node.span), right
        if lt.kind == "enum" or rt.kind == "enum":
            enum_side, other = (left, right) if lt.kind == "enum" else (right, left)
            if isinstance(other, t.Literal) and isinstance(other.value, str) and other.value not in enum_side.type.values:
                values = ", ".join(f'"{v}"' for v in enum_side.type.values)
                hint = did_you_mean(other.value, enum_side.type.values)
                self.error("E210", f'"{other.value}" is not a value of {_describe(enum_side)}', other.span,
                           f"not one of {values}", (hint.replace("`", '"') if hint else f"the values are {values}"))
                return _bad(node.span), right
        if lt.is_temporal and rt.is_temporal:
            if lt != rt:
                return (_as_date(left) if lt == TIMESTAMP else left), (_as_date(right) if rt == TIMESTAMP else right)
            return left, right
        if common_type([lt, rt]) is not None and DURATION not in (lt, rt):
            return left, right
        hint = ""
        for side, other in ((right, left), (left, right)):
            if isinstance(side, t.Literal) and isinstance(side.value, str) and other.type.is_temporal:
                try:
                    dt.date.fromisoformat(side.value)
                    hint = f'write the date without quotes: `{side.value}`'
                except ValueError:
                    try:
                        dt.datetime.fromisoformat(side.value)
                        hint = f"write the timestamp without quotes: `{side.value}`"
                    except ValueError:
                        hint = "dates are written without quotes, e.g. `2024-01-31`"
            elif isinstance(side, t.Literal) and isinstance(side.value, str) and other.type.is_numeric:
                hint = "numbers are written without quotes"
            elif isinstance(side, t.Literal) and isinstance(side.value, int | Decimal) and other.type.is_textual:
                hint = f'text is written in quotes: `"{side.value}"`'
        if DURATION in (lt, rt) and not hint:
            hint = "a duration is not a date; write e.g. `30 days ago` or `today - 30 days`"
        self.error("E211", f"cannot compare {_describe(left)} with {_describe(right)}", node.span,
                   f"{_show(lt)} vs {_show(rt)}", hint)
        return _bad(node.span), right

    def event_of(self, source: ast.Name, func: str) -> Event | None:
        """The event an aggregate or a sequence step reads (`orders` of `orders.amount`); None, said, if unknown."""
        schema = self.schema
        event_name = source.parts[0]
        event = schema.events.get(event_name)
        if event is not None:
            return event
        if event_name in schema.attributes or event_name in schema.lookups or event_name == schema.entity:
            kind = "a lookup" if event_name in schema.lookups else "not an event"
            self.error("E214", f"`{func}` aggregates events, but `{event_name}` is {kind}", source.span,
                       "not an event", did_you_mean(event_name, schema.events)
                       or "aggregates take an event: " + ", ".join(f"`{e}`" for e in schema.events))
        else:
            self.error("E202", f"unknown event `{event_name}`", _part_span(source, 0), "not an event",
                       did_you_mean(event_name, schema.events)
                       or ("the events are " + ", ".join(f"`{e}`" for e in schema.events) if schema.events
                           else "declare events under `events:` in schema.yml"))
        return None

    def aggregate(self, node: ast.Aggregate, scope: Scope, own: str = "") -> t.Expr:
        func = node.func
        if scope.event is not None:
            self.error("E221", "an aggregate cannot be nested inside another aggregate's `where`", node.span,
                       "aggregate inside an aggregate", "compute it in a separate condition outside")
            return _bad(node.span)
        event = self.event_of(node.source, func)
        if event is None:
            return _bad(node.span)
        event_name = event.name
        value: t.Expr | None = None
        if len(node.source.parts) == 2:
            attr = node.source.parts[1]
            if attr not in event.attributes:
                return self.unknown_attr(attr, event.attributes, f"event `{event_name}`", node.source)
            if func in EVENT_AGGREGATES and func != "count":
                fix = {"first_time": "first", "last_time": "last", "nth_time": "nth"}.get(func)
                self.error("E224", f"`{func}` takes an event, not an attribute", node.source.span, "an attribute",
                           f"write `{func}({event_name})`"
                           + (f"; use `{fix}({node.source.dotted})` for the value" if fix else ""))
                return _bad(node.span)
            value = _column("event", event_name, event.attributes[attr], node.source.span)
        elif func not in EVENT_AGGREGATES:
            numeric = sorted(event.attributes.values(), key=lambda a: (a.type.kind == "integer", a.name.endswith("_id")))
            wanted = [a for a in numeric if a.type.is_numeric] if func in ("sum", "avg", "median") else numeric
            some = next((a.name for a in wanted if a.name != event.time), "x")
            self.error("E224", f"`{func}` needs an attribute of `{event_name}`", node.source.span, "which value?",
                       f"write e.g. `{func}({event_name}.{some}" + (", 2)`" if func == "nth" else ")`"))
            return _bad(node.span)
        if event.time is None and (node.window is not None or func in TIMED_AGGREGATES):
            span = node.window.span if node.window is not None else node.func_span
            self.error("E215", f"event `{event_name}` has no time column, so "
                       + ("it cannot have a window" if node.window is not None else f"`{func}` cannot order it"),
                       span, "needs event times", f"declare `time:` for `{event_name}` in schema.yml")
            return _bad(node.span)
        if value is not None and func in ("sum", "avg", "median") and not (value.type.is_numeric or value.type.is_error):
            other = "use count, count_distinct, min, max, first, last or mode" if func != "median" \
                else "`median` is the middle of numbers; use `mode` for the most frequent value"
            self.error("E217", f"`{func}` {'adds' if func != 'median' else 'takes the middle of'} numbers, but "
                       f"`{node.source.dotted}` is {_a(value.type)}", node.source.span, f"{_a(value.type)}", other)
            return _bad(node.span)
        if value is not None and func in ("min", "max") and value.type == BOOLEAN:
            self.error("E217", f"`{func}` does not order true and false", node.source.span, "a boolean",
                       f"use `has {event_name} where {node.source.parts[1]}`")
            return _bad(node.span)
        arg = self.position(node, scope)
        if arg is False:
            return _bad(node.span)
        inner = Scope(event=event, params=scope.params, trait=scope.trait, own=own)
        where = self.cond(node.where, inner) if node.where is not None else None
        window = self.window(node.window, scope) if node.window is not None else None
        if (where is not None and where.type.is_error) or (value is not None and value.type.is_error) or window is False:
            return _bad(node.span)
        assert window is not False
        match func:
            case "count" | "count_distinct" | "count_days" | "count_weeks" | "count_months":
                typ = INTEGER
            case "sum":
                assert value is not None
                typ = value.type if value.type in (INTEGER, FLOAT) else DECIMAL
            case "avg" | "median":
                assert value is not None
                typ = FLOAT if value.type == FLOAT else DECIMAL
            case "first_time" | "last_time" | "nth_time":
                typ = event.time_type or TIMESTAMP
            case _:
                assert value is not None
                typ = value.type
        if func == "count_weeks":
            arg = t.Literal(self.week_start, INTEGER, span=node.span)
        return t.Aggregate(func, event_name, value, where, window, typ, arg, span=node.span)

    def position(self, node: ast.Aggregate, scope: Scope) -> t.Literal | t.Param | None | Literal[False]:
        """The n of nth/nth_time (a whole number from 1, or an integer parameter); no other aggregate takes one."""
        func, raw = node.func, node.arg
        if func not in POSITIONAL_AGGREGATES:
            if raw is not None:
                self.error("E257", f"`{func}` takes no position", raw.span, "unexpected argument",
                           "only `nth` and `nth_time` take a position: `nth(orders.channel, 2)`")
                return False
            return None
        example = f"`{func}({node.source.dotted}, 2)` for the second"
        if raw is None:
            self.error("E257", f"`{func}` needs a position: which event?", node.span, "no position", f"write {example}")
            return False
        if isinstance(raw, ast.Number):
            if not isinstance(raw.value, int) or raw.value < 1:
                self.error("E257", f"the position of `{func}` must be a whole number from 1, not {raw.value}", raw.span,
                           "not a position", f"positions count from 1 (the earliest event): {example}")
                return False
            return t.Literal(raw.value, INTEGER, span=raw.span)
        if isinstance(raw, ast.Param):
            p = self.param(raw, scope)
            if p.type.is_error:
                return False
            if p.type != INTEGER:
                self.error("E257", f"the position of `{func}` must be a whole number, but `${raw.name}` is {_a(p.type)}",
                           raw.span, "not an integer parameter", "declare the parameter as `integer`")
                return False
            assert isinstance(p, t.Param)
            return p
        self.error("E257", f"the position of `{func}` must be a number written out or an integer parameter",
                   raw.span, "not a position", f"write {example}")
        return False

    def sequence(self, node: ast.Sequence, scope: Scope) -> t.Expr:
        """`has A [as a] … then [no] B … within D …` (DESIGN §3.10)."""
        steps = node.steps
        if scope.event is not None:
            self.error("E221", "a sequence cannot be nested inside an aggregate's `where`", node.span,
                       "events inside events", "compute it in a separate condition outside")
            return _bad(node.span)
        if len(steps) == 1:  # `has orders as o where o.amount > 5`: a plain `has` with a name for its event
            step = steps[0]
            own = step.alias.dotted if step.alias is not None else ""
            count = self.aggregate(ast.Aggregate("count", step.source, step.where, step.window, span=node.span,
                                                 func_span=node.span), scope, own)
            if count.type.is_error:
                return count
            return t.Compare("=" if node.negated else ">", count, t.Literal(0, INTEGER, span=node.span), span=node.span)
        if node.negated:
            first = steps[0].source.dotted
            self.error("E255", "`has no … then …` reads two ways", node.span, "ambiguous",
                       f"write `not (has {first} then …)` for customers without such a chain, or `has {first} then no "
                       "…` for those whose event was not followed by the next")
            return _bad(node.span)
        if len(steps) > MAX_STEPS:
            self.error("E254", f"a sequence has at most {MAX_STEPS} steps, this one has {len(steps)}",
                       steps[MAX_STEPS].span.to(steps[-1].span), "too many steps",
                       "split it into two conditions, or compute a step with a trait")
            return _bad(node.span)
        schema = self.schema
        every_alias = frozenset(s.alias.dotted for s in steps if s.alias is not None) - {
            *schema.events, *schema.lookups, schema.entity}
        earlier: dict[str, Event] = {}
        checked: list[t.Step] = []
        previous: Event | None = None
        ok = True
        window: t.Window | None = None
        for i, step in enumerate(steps):
            event = self.event_of(step.source, "a sequence step" if i else "has")
            if event is None:
                ok = False
                continue
            if len(step.source.parts) == 2:
                self.error("E224", f"a step is an event, not an attribute: `{step.source.dotted}`", step.source.span,
                           "an attribute", f"write `{event.name} where {step.source.parts[1]} …`")
                ok = False
            if event.time is None:
                self.error("E215", f"event `{event.name}` has no time column, so it cannot be a step of a sequence",
                           step.source.span, "needs event times", f"declare `time:` for `{event.name}` in schema.yml")
                ok = False
                continue
            alias = self.step_alias(step, earlier)
            if i == 0:
                if step.window is not None:
                    found = self.window(step.window, scope)
                    if found is False:
                        ok = False
                    else:
                        window = found
            elif step.window is not None:
                self.error("E251", "only the first step of a sequence has a window", step.window.span,
                           "a window on a later step", "bound a later step by its time after the step before: "
                           "`within 2 days`")
                ok = False
            if step.negated and i != len(steps) - 1:
                self.error("E250", "`then no` can only be the last step of a sequence", step.span,
                           "not the last step", "a chain continues from events that happened: end it with the step "
                           "that must not follow")
                ok = False
            within: t.Duration | None = None
            instant = previous is not None and previous.time_type == TIMESTAMP and event.time_type == TIMESTAMP
            if step.within is not None:
                d = self.duration(step.within, scope)
                if d.type.is_error:
                    ok = False
                else:
                    assert isinstance(d, t.Duration)
                    within = d
                    if d.unit == "hour" and not instant:
                        assert previous is not None
                        dated = previous.name if previous.time_type != TIMESTAMP else event.name
                        self.error("E252", f"`within {_duration_text(d)}` compares times, but `{dated}` has dates",
                                   step.within.span, "hours between dates",
                                   "steps with a date are compared by day: write `within 1 day` (or more)")
                        ok = False
            inner = Scope(event=event, params=scope.params, trait=scope.trait, steps=dict(earlier), own=alias,
                          sequence_aliases=every_alias)
            where = self.cond(step.where, inner) if step.where is not None else None
            if where is not None and where.type.is_error:
                ok = False
            same = previous is not None and previous.table == event.table
            checked.append(t.Step(event.name, alias, where, within, step.negated, instant, same, span=step.span))
            if alias:
                earlier[alias] = event
            previous = event
        if not ok:
            return _bad(node.span)
        return t.Sequence(tuple(checked), window, span=node.span)

    def step_alias(self, step: ast.Step, earlier: Mapping[str, Event]) -> str:
        """A step's `as` name, if any: one word, not a name of the schema, not another step's."""
        if step.alias is None:
            return ""
        name = step.alias.dotted
        schema = self.schema
        clash = ("a step before" if name in earlier else "an event" if name in schema.events
                 else "a lookup" if name in schema.lookups else "the entity" if name == schema.entity else "")
        if "." in name or clash:
            self.error("E256", f"`{name}` cannot name a step" + (f": it is already {clash}" if clash else ""),
                       step.alias.span, "not a usable step name",
                       "name the step with one new word, e.g. `as v`, and read its attributes as `v.product_id`")
            return ""
        return name

    def window(self, node: ast.Window, scope: Scope) -> t.Window | Literal[False]:
        match node:
            case ast.LastWindow(amount=amount, unit=unit):
                checked = self.amount(amount, scope)
                if checked is None:
                    return False
                if isinstance(checked, t.Literal) and checked.value < 1:
                    self.error("E229", "a window must span at least one unit", amount.span, "zero-length window",
                               "use `in last 1 day` or more")
                    return False
                return t.LastWindow(checked, unit, span=node.span)
            case ast.SinceWindow(start=start):
                d = self.window_date(start, scope, "since")
                return False if d is None else t.SinceWindow(d, span=node.span)
            case ast.BeforeWindow(end=end):
                d = self.window_date(end, scope, "before")
                return False if d is None else t.BeforeWindow(d, span=node.span)
            case ast.BetweenWindow(start=start, end=end):
                a, b = self.window_date(start, scope, "between"), self.window_date(end, scope, "between")
                return False if a is None or b is None else t.BetweenWindow(a, b, span=node.span)
            case ast.ThisWindow(unit=unit):
                if not self.period_unit(node, unit, "this"):
                    return False
                return t.ThisWindow(unit, self.week_start, span=node.span)
            case ast.PreviousWindow(amount=amount, unit=unit):
                if not self.period_unit(node, unit, "previous"):
                    return False
                if amount is None:
                    return t.PreviousWindow(t.Literal(1, INTEGER, span=node.span), unit, self.week_start, span=node.span)
                periods = self.amount(amount, scope)
                if periods is None:
                    return False
                if isinstance(periods, t.Literal) and periods.value < 1:
                    self.error("E229", f"`in previous {periods.value} {unit}s` spans no period", amount.span,
                               "zero-length window", f"use `in previous {unit}` (the whole {unit} before this one) "
                               f"or `in this {unit}` (this {unit} so far)")
                    return False
                return t.PreviousWindow(periods, unit, self.week_start, span=node.span)
        raise AssertionError(node)  # pragma: no cover

    def period_unit(self, node: ast.ThisWindow | ast.PreviousWindow, unit: str, word: str) -> bool:
        """Calendar windows are whole weeks, months, quarters or years."""
        if unit in PERIOD_UNITS:
            return True
        hint = ("for today, write `in last 1 day`" if unit == "day" and word == "this"
                else "for yesterday, write `between 1 day ago and 1 day ago`" if unit == "day"
                else "for hours, write `in last 12 hours`")
        self.error("E229", f"`in {word} {unit}` is not a calendar period", node.span, "weeks, months, quarters or years",
                   hint)
        return False

    def window_date(self, node: ast.Expr, scope: Scope, word: str) -> t.Expr | None:
        d = self.expr(node, scope)
        if d.type.is_error:
            return None
        if d.type != DATE:
            hint = "a date literal (`2024-01-31`), `today`, `90 days ago` or a date parameter"
            if isinstance(d, t.Literal) and isinstance(d.value, str):
                hint = f"write the date without quotes: `{d.value}`"
            elif d.type == TIMESTAMP:
                hint = "windows are in days: use `date(…)` or a date"
            self.error("E217", f"`{word}` needs a date, not {_a(d.type)}", node.span, f"{_a(d.type)}", hint)
            return None
        return d

    def in_segment(self, node: ast.InSegment, scope: Scope) -> t.Expr:
        if node.name not in self.defs:
            self.error("E205", f"unknown segment `{node.name}`", node.name_span, "no segment has this name",
                       did_you_mean(node.name, self.defs) or "segments are the files in the segments folder")
            return _bad(node.span)
        seg = self.segment(node.name, node.name_span)
        if seg is None:
            return _bad(node.span)  # its own problems are reported at its own file
        condition = seg.condition
        if node.group:
            group = seg.group(node.group)
            if not seg.groups:
                self.error("E262", f"segment `{node.name}` has no groups, so `{node.name}.{node.group}` names nothing",
                           node.group_span, "no splits or priority list",
                           f"declare `splits:` in {seg.definition.span.path}, or write `in segment {node.name}`")
                return _bad(node.span)
            if group is None:
                names = [g.name for g in seg.groups]
                self.error("E262", f"segment `{node.name}` has no group `{node.group}`", node.group_span,
                           "not one of its groups",
                           did_you_mean(node.group, names) or "its groups are " + ", ".join(f"`{n}`" for n in names))
                return _bad(node.span)
            condition = group.condition
        missing = [p.name for p in seg.params if p.default is None]
        if missing:
            self.error("E227", f"segment `{node.name}` has parameter `${missing[0]}` without a default, so it "
                       "cannot be referenced", node.span, "no value for its parameter",
                       f"give `{missing[0]}` a default in {seg.definition.span.path}")
            return _bad(node.span)
        if scope.event is not None and _has_population(condition):
            self.error("E221", f"segment `{node.name}` aggregates events, so it cannot be used inside an "
                       "aggregate's `where`", node.span, "aggregate inside an aggregate")
            return _bad(node.span)
        return t.SegmentRef(seg.name, condition, {p.name: p.default for p in seg.params}, node.group, span=node.span)

    def top_by(self, node: ast.TopBy, percent: ast.Number | ast.Param, inner: ast.Expr, scope: Scope) -> t.Expr:
        rank = self.call(ast.Call("percentile", (inner,), span=node.span, name_span=node.span), scope)
        p: t.Expr
        if isinstance(percent, ast.Number):
            if not 0 < percent.value <= 100:
                self.error("E228", f"`top {percent.value}%` is not a percentage above 0 and at most 100",
                           percent.span, "out of range", "use e.g. `top 10% by …`")
                return _bad(node.span)
            p = t.Literal(percent.value, INTEGER if isinstance(percent.value, int) else DECIMAL, span=percent.span)
        else:
            p = self.param(percent, scope)
            if not (p.type.is_numeric or p.type.is_error):
                self.error("E228", f"`top ${percent.name}%` needs a number, but the parameter is {_a(p.type)}",
                           percent.span, "not a number", "declare the parameter as integer or decimal")
                return _bad(node.span)
        if rank.type.is_error or p.type.is_error:
            return _bad(node.span)
        threshold = t.Arith("-", t.Literal(100, INTEGER, span=node.span), p, DECIMAL, span=node.span)
        return t.Compare(">=", rank, threshold, span=node.span)


# ---- helpers ----


def _bad(span: Span) -> t.Expr:
    return t.Literal(None, ERROR, span=span)


def _column(scope: str, owner: str, attr: Attribute, span: Span) -> t.Column:
    return t.Column(scope, owner, attr.name, attr.column, attr.type, span=span)


def _as_date(expr: t.Expr) -> t.Expr:
    return t.Call("date", (expr,), DATE, span=expr.span)


def _show(typ: Type) -> str:
    return {"enum": "text (enum)", "error": "unknown"}.get(typ.kind, typ.kind)


def _a(typ: Type) -> str:
    """The type's name with its article: `an integer`, `a date`."""
    word = _show(typ)
    return ("an " if word[0] in "aeiou" else "a ") + word


def _describe(expr: t.Expr) -> str:
    if isinstance(expr, t.Column):
        name = expr.attribute if expr.scope == "customer" else f"{expr.owner}.{expr.attribute}"
        return f"`{name}` ({_show(expr.type)})"
    if isinstance(expr, t.Literal):
        return f"{_show(expr.type)} {expr.value!r}" if expr.type.kind not in ("date", "timestamp") else f"{expr.type} {expr.value}"
    if isinstance(expr, t.TraitRef):
        return f"trait `{expr.name}` ({_show(expr.type)})"
    return f"{_a(expr.type)}"


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} arguments"
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"


def _conversion_hint(arg: t.Expr, kind: str) -> str:
    if isinstance(arg, t.Literal) and isinstance(arg.value, str) and kind == "date or timestamp":
        return f"write the date without quotes: `{arg.value}`"
    if isinstance(arg, t.Literal) and isinstance(arg.value, int | Decimal) and kind == "string":
        return f'text is written in quotes: `"{arg.value}"`'
    return ""


def _part_span(node: ast.Name, index: int) -> Span:
    """The span of one part of a dotted name (the token has no spaces inside)."""
    span = node.span
    if span.source is None or span.end - span.start != len(node.dotted):
        return span
    start = span.start + sum(len(p) + 1 for p in node.parts[:index])
    return Span(span.source, start, start + len(node.parts[index]))


def _children(expr: Any) -> list[Any]:
    out: list[Any] = []
    for name in getattr(expr, "__slots__", ()):
        if name in ("span", "type"):
            continue
        value = getattr(expr, name)
        if isinstance(value, tuple):
            out.extend(v for v in value if hasattr(v, "__slots__"))
        elif hasattr(value, "__slots__") and not isinstance(value, Type):
            out.append(value)
    return out


def _duration_text(d: t.Duration) -> str:
    amount = d.amount.value if isinstance(d.amount, t.Literal) else f"${d.amount.name}"
    return f"{amount} {d.unit}" + ("" if amount == 1 else "s")


def _has_population(expr: Any) -> bool:
    """Does the expression aggregate events or rank customers (so it is not per event)?"""
    if isinstance(expr, t.Aggregate | t.Percentile | t.Sequence):
        return True
    return any(_has_population(c) for c in _children(expr))


def _has_error(expr: Any) -> bool:
    if getattr(expr, "type", None) == ERROR:
        return True
    return any(_has_error(c) for c in _children(expr))


def _collect_refs(expr: Any, out: set[str]) -> None:
    if isinstance(expr, t.SegmentRef):
        out.add(expr.name)
    for child in _children(expr):
        _collect_refs(child, out)

