"""Hypothesis strategies for tests/test_properties.py: random data at the edges of DESIGN §3 and random
well-typed segments written as text, over one small fixed schema.

Segments are generated type-directed (each slot asks for a number, a text, a date, a timestamp, a boolean
value or a condition), so nearly all of them check; the rare one that does not is discarded by the test.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from segql.evaluate import Dataset

SCHEMA_YML = """\
entity: customer
table: crm.customers
key: id
attributes:
  id: integer
  visits: integer
  ltv: {type: decimal, column: lifetime_value}
  score: float
  name: string
  channel: string          # also an attribute of orders: inside its `where`, `channel` is the order's
  tier: {type: enum, values: [gold, silver, bronze]}
  opt_in: boolean
  birth_date: date
  signup_at: timestamp
  region_id: integer
lookups:
  region:
    table: crm.regions
    on: {region_id: region_id}
    attributes:
      label: string
      rate: decimal
events:
  orders:                  # timestamp time
    table: sales.orders
    key: customer_id
    time: ordered_at
    attributes:
      ordered_at: timestamp
      amount: decimal
      qty: integer
      status: {type: enum, values: [paid, cancelled, refunded]}
      channel: string
      gift: boolean
  sessions:                # date time
    table: web.sessions
    key: customer_id
    time: day
    attributes:
      day: date
      pages: integer
      seconds: float
      device: {type: enum, values: [mobile, desktop]}
      referrer: string
  wishes:                  # no time: counted, never windowed or ordered
    table: shop.wishes
    key: customer_id
    time: none
    attributes:
      item: string
      price: decimal
traits:
  age: years_between(birth_date, today)
  paid: sum(orders.amount where status = "paid")
  active: has sessions in last 30 days
"""

# Physical tables: (schema, table) → [(column, DuckDB type)], in insertion order.
TABLES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("crm", "customers"): [
        ("id", "INTEGER"), ("visits", "INTEGER"), ("lifetime_value", "DECIMAL(12,2)"), ("score", "DOUBLE"),
        ("name", "VARCHAR"), ("channel", "VARCHAR"), ("tier", "VARCHAR"), ("opt_in", "BOOLEAN"),
        ("birth_date", "DATE"), ("signup_at", "TIMESTAMP"), ("region_id", "INTEGER"),
    ],
    ("crm", "regions"): [("region_id", "INTEGER"), ("label", "VARCHAR"), ("rate", "DECIMAL(6,3)")],
    ("sales", "orders"): [
        ("customer_id", "INTEGER"), ("ordered_at", "TIMESTAMP"), ("amount", "DECIMAL(10,2)"), ("qty", "INTEGER"),
        ("status", "VARCHAR"), ("channel", "VARCHAR"), ("gift", "BOOLEAN"),
    ],
    ("web", "sessions"): [
        ("customer_id", "INTEGER"), ("day", "DATE"), ("pages", "INTEGER"), ("seconds", "DOUBLE"),
        ("device", "VARCHAR"), ("referrer", "VARCHAR"),
    ],
    ("shop", "wishes"): [("customer_id", "INTEGER"), ("item", "VARCHAR"), ("price", "DECIMAL(10,2)")],
}
DATASET_KEYS = {("crm", "customers"): ("customers", None), ("crm", "regions"): ("lookups", "region"),
                ("sales", "orders"): ("events", "orders"), ("web", "sessions"): ("events", "sessions"),
                ("shop", "wishes"): ("events", "wishes")}

# ---- values at the edges ----

AS_OF_DATES = [
    dt.date(2024, 6, 30),  # a Sunday
    dt.date(2024, 2, 29),  # a leap day
    dt.date(2024, 3, 31),  # a month end whose previous month is shorter
    dt.date(2025, 3, 1),  # the day after a common-year February
    dt.date(2023, 12, 31),  # a year end
    dt.date(2024, 11, 3),  # New York leaves daylight saving time
]
TIMEZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
SEGMENT_COUNTS = (4, 5, 3, 6, 2, 1)  # per example, on one data set: later ones may refer to earlier ones
DEPTHS = (2, 1, 3, 0)  # of a segment's condition: nesting of and/or/not …
VALUE_DEPTHS = (1, 2, 0)  # … and, independently, of the values in each predicate
VALUE_DEPTHS_IN_WHERE = (1, 0)
CUSTOMER_COUNTS = (5, 6, 7, 4, 3, 2, 1, 0)  # hypothesis favours the first: a few customers, rarely none

STRINGS = ["", "a", "A", "abc", "ABC", "Abc", "a%", "50%", "%", "_", "a_b", "axb", "\\", "a\\b", "O'Brien",
           'say "hi"', " pad ", "pad", "Mixed Case", "mixed case", "web", "WEB", "store", "x"]
PATTERNS = ["", "a", "A", "%", "_", "\\", "a_", "_b", "x%", "50%", "'", '"', "a\\", "\\b", "ab", "AB", " ", "pad ",
            "MIXED", "case", "e", "we", "EB", "zz"]
INTEGERS = [0, 1, -1, 2, 3, 7, 10, 100, -7]
DECIMALS = [Decimal(v) for v in ("0", "0.00", "1", "2.50", "-2.50", "33.33", "100.00", "-0.01", "999.99", "3")]
FLOATS = [0.0, -0.0, 0.5, 1.5, -2.5, 3.0, 0.25, 100.0]
RATES = [Decimal(v) for v in ("0", "0.5", "1.25", "-1", "0.333")]
TIMES = [dt.time(0), dt.time(23, 59, 59, 999999), dt.time(12), dt.time(4), dt.time(4, 59, 59, 999999), dt.time(5),
         dt.time(18, 30), dt.time(0, 0, 0, 1)]

TIER = ["gold", "silver", "bronze"]
STATUS = ["paid", "cancelled", "refunded"]
DEVICE = ["mobile", "desktop"]


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def boundary_dates(as_of: dt.date) -> list[dt.date]:
    """The as-of date, its neighbours, exactly N days/months/years before it, and calendar edges."""
    days = [as_of + dt.timedelta(days=n) for n in (0, -1, 1, -6, -7, -8, -29, -30, -89, -90, -364, -365, 30)]
    months = [add_months(as_of, n) for n in (-1, -3, -6, -12, -24)]
    fixed = [dt.date(2024, 2, 29), dt.date(2024, 1, 31), dt.date(2023, 2, 28), dt.date(2024, 3, 1),
             dt.date(2023, 12, 31), dt.date(2024, 4, 30), dt.date(2025, 2, 28)]
    return sorted(set(days + months + fixed))


def birth_dates(as_of: dt.date) -> list[dt.date]:
    """Birthdays today, tomorrow, yesterday; Feb 29; and some plain ones."""
    today_1990 = add_months(as_of, -12 * 34)
    return [today_1990, today_1990 + dt.timedelta(days=1), today_1990 - dt.timedelta(days=1),
            dt.date(2000, 2, 29), dt.date(2004, 2, 29), dt.date(1985, 12, 31), add_months(as_of, -12 * 18),
            add_months(as_of, -12 * 18) + dt.timedelta(days=1)]


# ---- random data ----

@dataclass(slots=True)
class World:
    """One example's data: the as-of date, the project's time zone and the rows."""

    as_of: dt.date
    timezone: str
    data: Dataset

    def rows(self, table: tuple[str, str]) -> list[dict[str, Any]]:
        kind, name = DATASET_KEYS[table]
        if kind == "customers":
            return self.data.customers
        return (self.data.lookups if kind == "lookups" else self.data.events).get(name or "", [])

    def describe(self) -> str:
        lines = [f"as of {self.as_of} in {self.timezone}"]
        for table in TABLES:
            lines.append(f"{'.'.join(table)}:")
            lines += [f"  {row}" for row in self.rows(table)]
        return "\n".join(lines)


@functools.cache
def index(n: int) -> st.SearchStrategy[int]:
    """An index into n options (strategies are built once: building and validating them is slow)."""
    return st.integers(0, n - 1)


@functools.cache
def row_strategies(as_of: dt.date, ids: tuple[int, ...]) -> dict[str, st.SearchStrategy[Any]]:
    """The strategies of one example's rows (cached per as-of date and customer keys)."""
    dates = tuple(boundary_dates(as_of))
    date = st.sampled_from(dates)
    timestamp = st.builds(dt.datetime.combine, date, st.sampled_from(TIMES))
    owner = st.sampled_from((*ids, None, 99))

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        """The value, or NULL one time in five."""
        return st.tuples(index(5), strategy).map(lambda drawn: None if drawn[0] == 4 else drawn[1])

    def values(*options: Any) -> st.SearchStrategy[Any]:
        return maybe(st.sampled_from(options))

    customer = st.fixed_dictionaries(dict(
        visits=values(*INTEGERS), lifetime_value=values(*DECIMALS), score=values(*FLOATS), name=values(*STRINGS),
        channel=values("web", "store", "WEB", ""), tier=values(*TIER), opt_in=maybe(st.booleans()),
        birth_date=values(*birth_dates(as_of), *dates), signup_at=maybe(timestamp),
        region_id=values(1, 2, 3, 9),
    ))
    region = st.fixed_dictionaries(dict(label=values(*STRINGS), rate=values(*RATES)))
    orders = st.lists(st.fixed_dictionaries(dict(
        customer_id=owner, ordered_at=maybe(timestamp), amount=values(*DECIMALS), qty=values(0, 1, 2, 3),
        status=values(*STATUS), channel=values("web", "store", "WEB", "app", "a_b", "50%"), gift=maybe(st.booleans()),
    )), max_size=12)
    sessions = st.lists(st.fixed_dictionaries(dict(
        customer_id=owner, day=maybe(date), pages=values(0, 1, 2, 5), seconds=values(*FLOATS), device=values(*DEVICE),
        referrer=values(*STRINGS),
    )), max_size=10)
    wishes = st.lists(st.fixed_dictionaries(dict(customer_id=owner, item=values(*STRINGS), price=values(*DECIMALS))),
                      max_size=6)
    return dict(customer=customer, region=maybe(region), orders=orders, sessions=sessions, wishes=wishes)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    as_of = AS_OF_DATES[draw(index(len(AS_OF_DATES)))]
    timezone = TIMEZONES[draw(index(len(TIMEZONES)))]
    ids = tuple(range(1, CUSTOMER_COUNTS[draw(index(len(CUSTOMER_COUNTS)))] + 1))
    rows = row_strategies(as_of, ids)
    customers = [{"id": i, **draw(rows["customer"])} for i in ids]
    regions = [{"region_id": r, **found} for r in (1, 2, 3) if (found := draw(rows["region"])) is not None]
    events = {name: draw(rows[name]) for name in ("orders", "sessions", "wishes")}
    return World(as_of, timezone, Dataset(customers, {"region": regions}, events))


# ---- random segments, as text ----

PARAM_KINDS = {  # kind → (declared type, defaults)
    "int": ("integer", [1, 2, 3, 7, 30]),
    "dec": ("decimal", ["0", "2.5", "100", "-0.01"]),
    "str": ("string", ["a", "WEB", "50%", "a_b", "O'Brien", "\\"]),
    "date": ("date", None),  # boundary dates of the example
    "ts": ("timestamp", None),
    "bool": ("boolean", [True, False]),
}

EVENT_ATTRS = {  # event → family → attributes (enum attributes with their values)
    "orders": {"num": ["amount", "qty"], "str": ["channel"], "enum": [("status", STATUS)], "ts": ["ordered_at"],
               "bool": ["gift"], "date": []},
    "sessions": {"num": ["pages", "seconds"], "str": ["referrer"], "enum": [("device", DEVICE)], "ts": [],
                 "bool": [], "date": ["day"]},
    "wishes": {"num": ["price"], "str": ["item"], "enum": [], "ts": [], "bool": [], "date": []},
}
TIMELESS = "wishes"  # no windows, no first/last
TIME_FAMILY = {"orders": "ts", "sessions": "date"}
UNITS = ["day", "days", "week", "weeks", "month", "months", "year", "years", "quarter", "quarters"]
PERIODS = ["week", "month", "quarter", "year"]  # of calendar windows (DESIGN §3.11)
SALTS = ["spring", "a", "O'Brien", "50%", "", "ü"]


@dataclass(slots=True)
class SegmentText:
    name: str
    where: str
    params: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name → (type, default)
    given: dict[str, str] = field(default_factory=dict)  # values passed when it is run, as on the command line

    def yaml(self) -> str:
        lines = [f"  - name: {self.name}"]
        if self.params:
            lines.append("    params:")
            for pname, (ptype, default) in self.params.items():
                lines.append(f"      {pname}: {{type: {ptype}, default: {_yaml_scalar(default)}}}")
        lines.append("    where: |")
        lines.append(f"      {self.where}")
        return "\n".join(lines)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(str(value))  # JSON strings are YAML double-quoted strings


def segment_file(segments: list[SegmentText]) -> str:
    return "segments:\n" + "\n".join(s.yaml() for s in segments) + "\n"


def string_literal(value: str, quote: str = '"') -> str:
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


class Writer:
    """Writes one segment's condition, type-directed: each method returns the text of an expression of
    its family. `event` is the aggregate whose `where` is being written (None at the customer level)."""

    def __init__(self, draw: st.DrawFn, as_of: dt.date, prefix: str, earlier: list[str]) -> None:
        self.draw = draw
        self.dates = boundary_dates(as_of)
        self.prefix = prefix
        self.earlier = earlier
        self.params: dict[str, tuple[str, Any]] = {}

    # ---- helpers ----

    def pick(self, options: list[Any]) -> Any:
        return options[self.draw(index(len(options)))]

    def choose(self, options: list[tuple[int, Callable[[], Any]]]) -> Any:
        """One of the weighted alternatives (weights are repeated entries, so it shrinks to the first)."""
        return self.pick([make for weight, make in options for _ in range(weight)])()

    def flip(self) -> bool:
        return self.draw(index(2)) == 1

    def kw(self, word: str) -> str:
        """A keyword, now and then in upper or title case (keywords are case-insensitive)."""
        return self.pick([word, word, word, word.upper(), word.title()])

    def param(self, kind: str) -> str:
        name = f"{self.prefix}_{kind}"
        if name not in self.params:
            ptype, defaults = PARAM_KINDS[kind]
            if kind == "date":
                default: Any = self.pick(self.dates).isoformat()
            elif kind == "ts":
                default = dt.datetime.combine(self.pick(self.dates), self.pick(TIMES)).isoformat()
            else:
                default = self.pick(defaults)
            self.params[name] = (ptype, default)
        return f"${name}"

    def date_literal(self) -> str:
        return self.pick(self.dates).isoformat()

    def ts_literal(self) -> str:
        value = dt.datetime.combine(self.pick(self.dates), self.pick(TIMES))
        text = value.isoformat()
        return text[:16] if text.endswith(":00") and value.microsecond == 0 and self.flip() else text

    def amount(self) -> str:
        return self.choose([(4, lambda: str(self.pick([1, 2, 3, 6, 7, 12, 30, 90, 365]))), (1, lambda: self.param("int"))])

    # ---- numbers ----

    def num(self, depth: int, event: str | None = None) -> str:
        atoms: list[tuple[int, Callable[[], str]]] = [
            (6, lambda: self.pick(["visits", "ltv", "score", "region.rate", "age", "customer.visits"])),
            (2, lambda: self.pick(["0", "1", "2", "3", "7", "100", "0.5", "2.5", "33.33", "0.0"])),
            (1, lambda: self.param(self.pick(["int", "dec"]))),
        ]
        if event is None:
            atoms.append((1, lambda: "paid"))
        else:
            atoms.append((4, lambda: self.pick(EVENT_ATTRS[event]["num"])))
        if depth <= 0:
            return self.choose(atoms)
        d = depth - 1
        compound: list[tuple[int, Callable[[], str]]] = [
            (4, lambda: f"({self.num(d, event)}) {self.pick(['/', '%', '*', '-', '+'])} ({self.num(d, event)})"),
            (1, lambda: f"-({self.num(d, event)})"),
            (2, lambda: f"{self.pick(['round', 'floor', 'ceil', 'abs'])}({self.num(d, event)})"),
            (1, lambda: f"round({self.num(d, event)}, {self.pick(['0', '1', '2', '-1'])})"),
            (1, lambda: f"coalesce({self.num(d, event)}, {self.num(d, event)})"),
            (1, lambda: f"length({self.text(d, event)[0]})"),
            (2, lambda: f"{self.pick(['years_between', 'days_between'])}({self.temporal(d, event)}, {self.temporal(d, event)})"),
            (2, lambda: f"{self.pick(['days_since', 'day_of_week', 'year', 'month'])}({self.temporal(d, event)})"),
            (2, lambda: f"{self.pick(['day', 'quarter', 'day_of_year', 'days_until'])}({self.temporal(d, event)})"),
            (1, lambda: f"bucket({string_literal(self.pick(SALTS))})"),
        ]
        if event is None:
            compound += [(6, lambda: self.numeric_aggregate(d)), (1, lambda: f"percentile({self.num(d)})")]
        return self.choose([(5, lambda: self.choose(compound)), (4, lambda: self.choose(atoms))])

    def numeric_aggregate(self, depth: int) -> str:
        ev = self.pick(["orders", "sessions", TIMELESS])
        func = self.pick(["sum", "avg", "count", "min", "max", "count_distinct", "first", "last", "count", "median",
                          "mode", "nth", "count_days", "count_weeks", "count_months"])
        if ev == TIMELESS and func in ("first", "last", "nth", "count_days", "count_weeks", "count_months"):
            func = "count"
        if func.startswith("count_") and func != "count_distinct":
            target = ev
        elif func == "count":
            target = self.pick([ev, f"{ev}.{self.pick(EVENT_ATTRS[ev]['num'] + EVENT_ATTRS[ev]['str'])}"])
        elif func == "count_distinct":
            a = EVENT_ATTRS[ev]
            target = f"{ev}.{self.pick(a['num'] + a['str'] + [n for n, _ in a['enum']] + a['date'])}"
        else:
            target = f"{ev}.{self.pick(EVENT_ATTRS[ev]['num'])}"
        return self.aggregate(func, ev, target, depth)

    def aggregate(self, func: str, ev: str, target: str, depth: int) -> str:
        position = f", {self.pick(['1', '2', '3', self.param('int')])}" if func.startswith("nth") else ""
        return f"{func}({target}{self.where_and_window(ev, depth)}{position})"

    def where_and_window(self, ev: str, depth: int) -> str:
        """` where C`, a window, both or neither. Before a `between` window, C is written `(C) = true`: the
        parser would read `gift between D1 and D2` as a `between` predicate inside the `where`."""
        where = self.cond(min(depth, 1), ev) if self.flip() else None
        window = self.window() if ev != TIMELESS and self.flip() else None
        text = ""
        if where is not None:
            if window is None:
                text += f" {self.kw('where')} {where}"
            elif window.lower().startswith("between"):
                text += f" {self.kw('where')} ({where}) = true"
            else:
                text += f" {self.kw('where')} ({where})"
        if window is not None:
            text += f" {window}"
        return text

    def window(self) -> str:
        return self.choose([
            (4, lambda: f"{self.kw('in last')} {self.amount()} {self.pick(UNITS)}"),
            (1, lambda: f"{self.kw('in last')} {self.amount()} {self.pick(['hour', 'hours'])}"),
            (2, lambda: f"{self.kw('since')} {self.window_date()}"),
            (1, lambda: f"{self.kw('before')} {self.window_date()}"),
            (2, lambda: f"{self.kw('between')} {self.window_date()} {self.kw('and')} {self.window_date()}"),
            (2, lambda: f"{self.kw('in this')} {self.pick(PERIODS)}"),
            (2, lambda: f"{self.kw('in previous')} {self.pick(PERIODS)}"),
            (1, lambda: f"{self.kw('in previous')} {self.pick(['1', '2', '3', self.param('int')])} "
                        f"{self.pick(PERIODS)}s"),
        ])

    def window_date(self) -> str:
        return self.choose([
            (3, self.date_literal),
            (1, lambda: "today"),
            (2, lambda: f"{self.amount()} {self.pick(UNITS)} ago"),
            (1, lambda: f"today - {self.amount()} {self.pick(UNITS)}"),
            (1, lambda: self.param("date")),
            (1, lambda: "customer.birth_date"),
        ])

    # ---- text: (expression, the enum's values when it is an enum) ----

    def text(self, depth: int, event: str | None = None) -> tuple[str, list[str] | None]:
        atoms: list[tuple[int, Callable[[], tuple[str, list[str] | None]]]] = [
            (3, lambda: (self.pick(["name", "channel", "region.label", "customer.name"]), None)),
            (2, lambda: ("tier", TIER)),
            (1, lambda: (string_literal(self.pick(STRINGS), self.pick(['"', '"', "'"])), None)),
            (1, lambda: (self.param("str"), None)),
        ]
        if event is not None:
            attrs = EVENT_ATTRS[event]
            atoms += [(4, lambda: (self.pick(attrs["str"]), None)), (1, lambda: ("customer.channel", None))]
            if attrs["enum"]:
                atoms.append((3, lambda: self.pick(attrs["enum"])))

        if depth <= 0 or self.draw(index(10)) >= 5:
            return self.choose(atoms)
        d = depth - 1
        choice = self.pick(["fn", "fn", "coalesce", "agg"] if event is None else ["fn", "fn", "coalesce"])
        if choice == "fn":
            return f"{self.pick(['lower', 'upper', 'trim'])}({self.text(d, event)[0]})", None
        if choice == "coalesce":
            return f"coalesce({self.text(d, event)[0]}, {self.text(d, event)[0]})", None
        ev = self.pick(["orders", "sessions"])
        attr, values = self.pick([(a, None) for a in EVENT_ATTRS[ev]["str"]] + EVENT_ATTRS[ev]["enum"])
        func = self.pick(["first", "last", "min", "max", "mode", "nth"])
        return self.aggregate(func, ev, f"{ev}.{attr}", d), values

    def text_literal_for(self, values: list[str] | None) -> str:
        if values is not None:
            return string_literal(self.pick(values))
        return string_literal(self.pick(STRINGS), self.pick(['"', "'"]))

    # ---- time ----

    def temporal(self, depth: int, event: str | None = None) -> str:
        return self.date(depth, event) if self.flip() else self.ts(depth, event)

    def date(self, depth: int, event: str | None = None) -> str:
        atoms: list[tuple[int, Callable[[], str]]] = [
            (3, lambda: "birth_date"), (2, lambda: "today"), (3, self.date_literal),
            (2, lambda: f"{self.amount()} {self.pick(UNITS)} ago"), (1, lambda: self.param("date")),
        ]
        if event is not None:
            atoms += [(4, lambda: self.pick(EVENT_ATTRS[event]["date"] or ["customer.birth_date"]))]
        if depth <= 0:
            return self.choose(atoms)
        d = depth - 1
        compound: list[tuple[int, Callable[[], str]]] = [
            (3, lambda: f"{self.date(d, event)} {self.pick(['+', '-'])} {self.amount()} {self.pick(UNITS)}"),
            (2, lambda: f"date({self.ts(d, event)})"),
            (1, lambda: f"coalesce({self.date(d, event)}, {self.date(d, event)})"),
            (2, lambda: f"{self.pick(['start_of_week', 'start_of_month', 'start_of_quarter', 'start_of_year'])}"
                        f"({self.temporal(d, event)})"),
            (2, lambda: f"next_anniversary({self.temporal(d, event)})"),
        ]
        if event is None:
            compound += [
                (2, lambda: self.aggregate(self.pick(["first_time", "last_time", "nth_time"]), "sessions", "sessions", d)),
                (1, lambda: self.aggregate(self.pick(["min", "max", "first", "last"]), "sessions", "sessions.day", d)),
            ]
        return self.choose([(5, lambda: self.choose(compound)), (4, lambda: self.choose(atoms))])

    def ts(self, depth: int, event: str | None = None) -> str:
        atoms: list[tuple[int, Callable[[], str]]] = [
            (3, lambda: "signup_at"), (1, lambda: "now"), (3, self.ts_literal),
            (1, lambda: f"{self.amount()} {self.pick(['hour', 'hours'])} ago"), (1, lambda: self.param("ts")),
        ]
        if event is not None:
            atoms += [(4, lambda: self.pick(EVENT_ATTRS[event]["ts"] or ["customer.signup_at"]))]
        if depth <= 0:
            return self.choose(atoms)
        d = depth - 1
        compound: list[tuple[int, Callable[[], str]]] = [
            (3, lambda: f"{self.ts(d, event)} {self.pick(['+', '-'])} {self.amount()} "
                        f"{self.pick([*UNITS, 'hour', 'hours'])}"),
            (1, lambda: f"{self.date(d, event)} {self.pick(['+', '-'])} {self.amount()} {self.pick(['hour', 'hours'])}"),
            (1, lambda: f"coalesce({self.ts(d, event)}, {self.ts(d, event)})"),
        ]
        if event is None:
            compound += [
                (2, lambda: self.aggregate(self.pick(["first_time", "last_time", "nth_time"]), "orders", "orders", d)),
                (1, lambda: self.aggregate(self.pick(["min", "max", "first", "last"]), "orders", "orders.ordered_at", d)),
            ]
        return self.choose([(5, lambda: self.choose(compound)), (4, lambda: self.choose(atoms))])

    # ---- boolean values and conditions ----

    def flag(self, depth: int, event: str | None = None) -> str:
        """A boolean value used as a condition or compared with true/false."""
        options = [(3, lambda: "opt_in"), (1, lambda: self.param("bool")), (1, lambda: self.pick(["true", "false"])),
                   (1, lambda: f"coalesce(opt_in, {self.pick(['true', 'false'])})")]
        if event is None:
            options += [(1, lambda: "active"),
                        (1, lambda: self.aggregate(self.pick(["first", "last"]), "orders", "orders.gift", max(depth - 1, 0)))]
        elif event == "orders":
            options += [(4, lambda: "gift")]
        return self.choose(options)

    def compare_op(self) -> str:
        return self.pick(["=", "!=", "<", "<=", ">", ">="])

    def cond(self, depth: int, event: str | None = None) -> str:
        """A condition: and/or/not nested `depth` deep over predicates whose values nest on their own."""
        d = self.pick(VALUE_DEPTHS if event is None else VALUE_DEPTHS_IN_WHERE)
        leaves: list[tuple[int, Callable[[], str]]] = [
            (4, lambda: f"{self.num(d, event)} {self.compare_op()} {self.num(d, event)}"),
            (4, lambda: self.text_compare(d, event)),
            (3, lambda: f"{self.temporal(d, event)} {self.compare_op()} {self.temporal(d, event)}"),
            (1, lambda: f"{self.flag(d, event)} {self.pick(['=', '!='])} {self.pick(['true', 'false'])}"),
            (2, lambda: self.flag(d, event)),
            (2, lambda: self.between(d, event)),
            (3, lambda: self.in_list(d, event)),
            (2, lambda: f"{self.any_value(d, event)} {self.kw('is')} {self.pick(['', 'not '])}{self.kw('null')}"),
            (3, lambda: self.match(d, event)),
        ]
        if event is None:
            leaves += [
                (4, lambda: self.has(d)),
                (4, lambda: self.sequence(d)),
                (2, lambda: f"{self.kw('top')} {self.pick(['10', '50', '25.5', '100', '1'])}% {self.kw('by')} {self.num(d)}"),
                (1, lambda: f"percentile({self.num(d)}) {self.compare_op()} {self.pick(['0', '50', '100', '33.3'])}"),
            ]
            if self.earlier:
                leaves.append((3, lambda: f"{self.pick(['', 'not '])}{self.kw('in segment')} {self.pick(self.earlier)}"))
        if depth <= 0:
            return self.choose(leaves)
        inner = depth - 1
        compound: list[tuple[int, Callable[[], str]]] = [
            (3, lambda: f"({self.cond(inner, event)}) {self.kw('and')} ({self.cond(inner, event)})"),
            (3, lambda: f"({self.cond(inner, event)}) {self.kw('or')} ({self.cond(inner, event)})"),
            (2, lambda: f"{self.kw('not')} ({self.cond(inner, event)})"),
        ]
        return self.choose([(4, lambda: self.choose(compound)), (3, lambda: self.choose(leaves))])

    def text_compare(self, depth: int, event: str | None) -> str:
        left, values = self.text(depth, event)
        right = self.text_literal_for(values) if values is not None or self.flip() else self.text(depth, event)[0]
        return f"{left} {self.compare_op()} {right}"

    def between(self, depth: int, event: str | None) -> str:
        make = self.pick([self.num, self.num, self.date, self.ts, self.temporal])
        neg = self.kw("not") + " " if self.flip() else ""
        return f"{make(depth, event)} {neg}{self.kw('between')} {make(depth, event)} {self.kw('and')} {make(depth, event)}"

    def in_list(self, depth: int, event: str | None) -> str:
        kind = self.pick(["num", "text", "date"])
        neg = self.kw("not") + " " if self.flip() else ""
        size = self.draw(index(4))
        if kind == "num":
            subject = self.num(depth, event)
            items = [self.pick(["0", "1", "2", "-1", "2.5", "100", "3", "33.33"]) for _ in range(size)]
        elif kind == "text":
            subject, values = self.text(depth, event)
            items = [self.text_literal_for(values) for _ in range(size)]
        else:
            subject = self.date(depth, event)
            items = [self.date_literal() for _ in range(size)]
        return f"{subject} {neg}{self.kw('in')} [{', '.join(items)}]"

    def any_value(self, depth: int, event: str | None) -> str:
        return self.choose([(3, lambda: self.num(depth, event)), (2, lambda: self.text(depth, event)[0]),
                            (2, lambda: self.temporal(depth, event)), (1, lambda: self.flag(depth, event))])

    def match(self, depth: int, event: str | None) -> str:
        op = self.pick(["contains", "starts with", "ends with"])
        neg = self.kw("not") + " " if self.flip() else ""
        subject = self.text(depth, event)[0]
        pattern = string_literal(self.pick(PATTERNS), self.pick(['"', "'"])) if self.draw(index(4)) else \
            self.text(depth, event)[0]
        return f"{subject} {neg}{self.kw(op)} {pattern}"

    def has(self, depth: int) -> str:
        ev = self.pick(["orders", "sessions", TIMELESS])
        return f"({self.kw('has')} {self.pick(['', 'no '])}{ev}{self.where_and_window(ev, depth)})"

    def sequence(self, depth: int) -> str:
        """`(has A [as t0] … then [no] B [as t1] [where … t0.x …] [within N unit] …)` (DESIGN §3.10): two or three
        steps over the timed events, the same table twice now and then, later steps reading earlier ones."""
        count = self.pick([2, 2, 3])
        earlier: list[tuple[str, str]] = []  # (alias, event) of the steps before
        parts: list[str] = []
        previous = ""
        for i in range(count):
            ev = self.pick(["orders", "sessions"])
            alias = f"t{i}" if self.flip() else ""
            named = f"{ev} {self.kw('as')} {alias}" if alias else ev
            if i == 0:
                parts.append(f"{self.kw('has')} {named}{self.where_and_window(ev, depth)}")
            else:
                negated = i == count - 1 and self.flip()
                text = f"{self.kw('then')} {self.kw('no') + ' ' if negated else ''}{named}"
                if self.flip():
                    text += f" {self.kw('where')} {self.step_where(ev, earlier, depth)}"
                if self.draw(index(4)) != 0:
                    instant = TIME_FAMILY[previous] == TIME_FAMILY[ev] == "ts"
                    units = [*UNITS, "hour", "hours"] if instant else UNITS
                    text += f" {self.kw('within')} {self.pick(['0', '1', '2', '7', '30', self.param('int')])} " \
                            f"{self.pick(units)}"
                parts.append(text)
            if alias:
                earlier.append((alias, ev))
            previous = ev
        return "(" + " ".join(parts) + ")"

    def step_where(self, ev: str, earlier: list[tuple[str, str]], depth: int) -> str:
        """A later step's condition: on its own event, or comparing it with an earlier step's attribute."""
        if not earlier or self.flip():
            return self.cond(min(depth, 1), ev)
        alias, other = self.pick(earlier)
        family = self.pick([f for f in ("num", "str") if EVENT_ATTRS[ev][f] and EVENT_ATTRS[other][f]])
        mine, theirs = self.pick(EVENT_ATTRS[ev][family]), self.pick(EVENT_ATTRS[other][family])
        op = self.compare_op() if family == "num" else self.pick(["=", "!="])
        return f"{mine} {op} {alias}.{theirs}"


def given_value(writer: Writer, ptype: str) -> str:
    """A parameter value as `--param name=value` gives it: text, parsed by the declared type."""
    kind = next(k for k, (declared, _) in PARAM_KINDS.items() if declared == ptype)
    if kind == "date":
        return writer.date_literal()
    if kind == "ts":  # now and then with an offset, which is converted to UTC
        return writer.ts_literal() + writer.pick(["", "", "+02:00", "-05:00", "Z"])
    return str(writer.pick(PARAM_KINDS[kind][1])).lower() if kind == "bool" else str(writer.pick(PARAM_KINDS[kind][1]))


@dataclass(slots=True)
class Example:
    """One example: the data and 1–6 segments (later ones may refer to earlier ones)."""

    world: World
    segments: list[SegmentText]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Example(\n{segment_file(self.segments)}{self.world.describe()}\n)"


@st.composite
def segment_texts(draw: st.DrawFn, as_of: dt.date, count: int | None = None) -> list[SegmentText]:
    n = count if count is not None else SEGMENT_COUNTS[draw(index(len(SEGMENT_COUNTS)))]
    segments: list[SegmentText] = []
    for i in range(n):
        name = f"s{i}"
        writer = Writer(draw, as_of, name, [s.name for s in segments])
        where = writer.cond(DEPTHS[draw(index(len(DEPTHS)))])
        given = {p: given_value(writer, ptype) for p, (ptype, _) in writer.params.items() if writer.draw(index(3)) == 2}
        segments.append(SegmentText(name, where, writer.params, given))
    return segments


@st.composite
def examples(draw: st.DrawFn, count: int | None = None) -> Example:
    world = draw(worlds())
    return Example(world, draw(segment_texts(world.as_of, count)))
