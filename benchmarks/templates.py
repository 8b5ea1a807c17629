"""Many varied segments over the retail schema, from templates: for timing the checker and the compiler.

`write_segments(folder, n, seed)` writes n segment files (`gen_0001.yml`, …) that combine two to six
conditions (attributes, lookups, traits, every aggregate, windows, parameters, segment references,
percentiles) with and/or/not. The same n and seed always give the same files. Imports nothing of segql.
"""

from __future__ import annotations

import random
from pathlib import Path

WINDOWS = ("in last {d} days", "in last {w} weeks", "in last {m} months", "in last 1 year", "since 2026-01-01",
           "between 2025-01-01 and 2025-12-31", "before 2026-03-01", "")


def _window(rng: random.Random) -> str:
    return rng.choice(WINDOWS).format(d=rng.choice((7, 14, 30, 60, 90, 180, 365)), w=rng.choice((2, 4, 8, 12)),
                                      m=rng.choice((1, 3, 6, 12)))


def _in(rng: random.Random, values: tuple[str, ...], k: int) -> str:
    return "[" + ", ".join(f'"{v}"' for v in rng.sample(values, k)) + "]"


def _condition(rng: random.Random, index: int) -> str:
    """One condition, of a kind drawn at random."""
    w = _window(rng)
    kind = rng.randrange(24)
    match kind:
        case 0:
            return f"country in {_in(rng, ('US', 'CA', 'GB', 'DE', 'FR'), rng.randint(1, 3))}"
        case 1:
            return rng.choice(("email_opt_in", "sms_opt_in", "not email_opt_in", "is_adult", "is_engaged"))
        case 2:
            lo = rng.randint(18, 50)
            return f"age between {lo} and {lo + rng.randint(5, 20)}"
        case 3:
            return f'loyalty_tier {rng.choice(("=", "!="))} "{rng.choice(("bronze", "silver", "gold", "platinum"))}"'
        case 4:
            return f"signup_at {rng.choice(('<', '>='))} {rng.choice((30, 90, 365, 730))} days ago"
        case 5:
            return f'email {rng.choice(("ends with", "contains", "starts with"))} "{rng.choice(("@gmail.com", "test", "qa.", "@web.de"))}"'
        case 6:
            return f"address.state {rng.choice(('in', 'not in'))} {_in(rng, ('CA', 'TX', 'NY', 'FL', 'ON', 'BY'), 2)}"
        case 7:
            return f"coalesce(lifetime_value, 0) {rng.choice(('>', '<'))} {rng.choice((100, 500, 1200, 3000))}"
        case 8:
            return f"{rng.choice(('birth_date', 'country', 'address_id'))} is {rng.choice(('', 'not '))}null"
        case 9:
            return f'count(orders where status = "paid" {w}) >= {rng.randint(1, 6)}'
        case 10:
            return f'sum(orders.amount where status = "paid" {w}) > {rng.choice((100, 250, 500, 1000))}'
        case 11:
            return f'(has web_sessions where device = "{rng.choice(("mobile", "desktop", "tablet"))}" {w})'
        case 12:
            return f'(has no support_tickets where priority in {_in(rng, ("high", "urgent", "normal"), 2)} {w})'
        case 13:
            return f"avg(support_tickets.satisfaction {w}) <= {rng.randint(2, 4)}"
        case 14:
            return f"count(email_events where {rng.choice(('opened', 'clicked'))} = true {w}) >= {rng.randint(1, 3)}"
        case 15:
            return f"days_since(last_time(orders)) {rng.choice(('>', '<='))} {rng.choice((30, 90, 180, 365))}"
        case 16:
            return f'first(orders.channel) = "{rng.choice(("web", "store", "app"))}"'
        case 17:
            return f'last(web_sessions.device) = "{rng.choice(("mobile", "desktop"))}"'
        case 18:
            return f"count_distinct(orders.channel {w}) >= 2"
        case 19:
            return f"max(orders.amount {w}) > {rng.choice((100, 200, 400))}"
        case 20:
            return rng.choice(("spend_365 > $min_spend", "orders_365 >= $min_orders", "sessions_30 >= 2",
                               "avg_order_value > 80", "days_since_last_order < 120", "tenure_days > 365"))
        case 21:
            return f"top {rng.choice((5, 10, 20, 50))}% by {rng.choice(('spend_365', 'orders_365', 'lifetime_value'))}"
        case 22:
            if index > 1:
                return f"{rng.choice(('in segment', 'not in segment'))} gen_{rng.randint(1, index - 1):04d}"
            return "email_opt_in"
        case _:
            return (f'count(orders where channel = "web" and customer.country = "US" {w}) >= {rng.randint(1, 3)}')


def segment_text(index: int, rng: random.Random) -> str:
    parts = [_condition(rng, index) for _ in range(rng.randint(2, 6))]
    if len(parts) > 3 and rng.random() < 0.4:  # some disjunctions and negations
        parts[-2:] = [f"({parts[-2]} or {parts[-1]})"]
    if rng.random() < 0.15:
        parts[0] = f"not ({parts[0]})"
    where = "\n  and ".join(parts)
    params = ""
    if "$min_spend" in where or "$min_orders" in where:
        params = ("params:\n  min_spend: {type: decimal, default: 500}\n"
                  "  min_orders: {type: integer, default: 2}\n")
    # percentile and segment references are rarer in real projects than in the draw above
    return (f"name: gen_{index:04d}\ndescription: Generated segment {index} for the benchmarks.\n"
            f"owner: benchmarks\ntags: [generated]\n{params}where: |\n  {where}\n")


def write_segments(folder: Path, n: int, seed: int = 7) -> list[str]:
    """n segment files in `folder` (created); returns their names."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(1, n + 1):
        text = segment_text(i, rng)
        (folder / f"gen_{i:04d}.yml").write_text(text, encoding="utf-8")
        names.append(f"gen_{i:04d}")
    return names
