"""Build the retail example's demo database: seeded, deterministic, a few seconds on a laptop.

    python examples/retail/generate_data.py [--out PATH] [--customers N] [--seed S]

Writes the tables of schema.yml (crm.customers, crm.addresses, sales.orders, sales.order_items,
web.sessions, web.product_views, shop.cart_adds, shop.reviews, support.tickets,
marketing.email_events) into a fresh DuckDB file. The same seed and customer count always give
the same rows. Uses only the standard library and duckdb.

The shop's browsing tables (product views, cart additions, order items and reviews) are drawn
after everything else, from a random stream of their own, so they never change the other tables.

The data is shaped for the demo as-of date 2026-06-30 but, like a real export, runs on to
2026-09-30, so that "events after the as-of date never count" is visible. It has the gaps real
data has (missing birth dates, countries, states, channels, satisfaction scores, even a few
missing event times) and a handful of hand-made customers on the boundaries the segment tests
care about (see BOUNDARY_PROFILES below).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

AS_OF = dt.date(2026, 6, 30)  # the demo's as-of date (`segql count --as-of 2026-06-30`)
DATA_START = dt.date(2019, 1, 1)  # first sign-up
DATA_END = dt.date(2026, 9, 30)  # the day the "export" was taken: three months after AS_OF
WEB_TRACKING_START = dt.date(2025, 1, 1)  # sign-in tracking of web sessions began here
SUPPORT_START = dt.date(2023, 1, 1)  # the ticketing system went live
EMAIL_START = dt.date(2025, 7, 7)  # first weekly campaign kept by the e-mail platform (a Monday)
MIGRATION_END = dt.date(2021, 1, 1)  # orders before this came from the old system, often without a channel

NULL = r"\N"  # how a missing value is written in the CSV files loaded with COPY

TABLES: dict[str, Sequence[tuple[str, str]]] = {
    "crm.customers": (
        ("customer_id", "INTEGER PRIMARY KEY"), ("email", "VARCHAR"), ("first_name", "VARCHAR"),
        ("country", "VARCHAR"), ("birth_date", "DATE"), ("signup_at", "TIMESTAMP"),
        ("email_opt_in", "BOOLEAN"), ("sms_opt_in", "BOOLEAN"), ("lifetime_value", "DECIMAL(12, 2)"),
        ("loyalty_tier", "VARCHAR"), ("address_id", "INTEGER"),
    ),
    "crm.addresses": (
        ("address_id", "INTEGER PRIMARY KEY"), ("state", "VARCHAR"), ("city", "VARCHAR"), ("postal_code", "VARCHAR"),
    ),
    "sales.orders": (
        ("order_id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER"), ("ordered_at", "TIMESTAMP"),
        ("amount", "DECIMAL(12, 2)"), ("status", "VARCHAR"), ("channel", "VARCHAR"), ("discount_code", "VARCHAR"),
    ),
    "web.sessions": (
        ("session_id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER"), ("started_at", "TIMESTAMP"),
        ("device", "VARCHAR"), ("pages", "INTEGER"), ("source", "VARCHAR"),
    ),
    "support.tickets": (
        ("ticket_id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER"), ("opened_at", "TIMESTAMP"),
        ("priority", "VARCHAR"), ("category", "VARCHAR"), ("satisfaction", "INTEGER"),
    ),
    "marketing.email_events": (
        ("customer_id", "INTEGER"), ("sent_at", "DATE"), ("campaign", "VARCHAR"), ("opened", "BOOLEAN"),
        ("clicked", "BOOLEAN"),
    ),
    "sales.order_items": (
        ("order_id", "INTEGER"), ("customer_id", "INTEGER"), ("ordered_at", "TIMESTAMP"), ("product_id", "INTEGER"),
        ("category", "VARCHAR"), ("quantity", "INTEGER"), ("price", "DECIMAL(12, 2)"),
    ),
    "web.product_views": (
        ("customer_id", "INTEGER"), ("viewed_at", "TIMESTAMP"), ("product_id", "INTEGER"), ("category", "VARCHAR"),
    ),
    "shop.cart_adds": (
        ("customer_id", "INTEGER"), ("added_at", "TIMESTAMP"), ("product_id", "INTEGER"), ("category", "VARCHAR"),
        ("price", "DECIMAL(12, 2)"),
    ),
    "shop.reviews": (
        ("customer_id", "INTEGER"), ("reviewed_on", "DATE"), ("product_id", "INTEGER"), ("stars", "INTEGER"),
    ),
}

FIRST_NAMES = (
    "Ava Liam Olivia Noah Emma Oliver Sophia Elijah Mia Lucas Amelia Mason Harper Ethan Ella James Chloe "
    "Benjamin Lena Jonas Hannah Leon Emilie Louis Chloé Hugo Manon Jules Isla Jack Freya Harry Aisha Omar "
    "Priya Arjun Mei Chen Sofia Mateo Zoe Gabriel Nora Samuel Leah Daniel Maya David Aria Henry"
).split()
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWY"
DOMAINS = {
    "US": (("gmail.com", 45), ("yahoo.com", 14), ("outlook.com", 14), ("icloud.com", 12), ("hotmail.com", 6)),
    "CA": (("gmail.com", 45), ("outlook.com", 15), ("yahoo.ca", 12), ("icloud.com", 10), ("shaw.ca", 5)),
    "GB": (("gmail.com", 40), ("outlook.com", 15), ("btinternet.com", 10), ("icloud.com", 10), ("yahoo.co.uk", 8)),
    "DE": (("gmail.com", 30), ("web.de", 22), ("gmx.de", 20), ("t-online.de", 10), ("outlook.com", 6)),
    "FR": (("gmail.com", 40), ("orange.fr", 18), ("free.fr", 10), ("laposte.net", 8), ("outlook.com", 8)),
}
COUNTRIES = (("US", 48), ("CA", 12), ("GB", 15), ("DE", 12), ("FR", 9), (None, 4))
STATES = {
    "US": (("CA", 14), ("TX", 10), ("NY", 8), ("FL", 8), ("WA", 5), ("IL", 5), ("PA", 4), ("OH", 4), ("GA", 4),
           ("NC", 4), ("MA", 3), ("AZ", 3), ("CO", 3), ("OR", 2), ("MN", 2)),
    "CA": (("ON", 40), ("QC", 22), ("BC", 15), ("AB", 12), ("MB", 4), ("NS", 3)),
    "DE": (("BY", 20), ("NW", 25), ("BW", 16), ("BE", 8), ("HH", 6), ("HE", 9)),
}
CITIES = {
    "CA": ("Los Angeles", "San Francisco", "San Diego", "Sacramento"), "TX": ("Houston", "Austin", "Dallas"),
    "NY": ("New York", "Buffalo"), "FL": ("Miami", "Orlando", "Tampa"), "WA": ("Seattle", "Spokane"),
    "IL": ("Chicago",), "PA": ("Philadelphia", "Pittsburgh"), "OH": ("Columbus", "Cleveland"), "GA": ("Atlanta",),
    "NC": ("Charlotte", "Raleigh"), "MA": ("Boston",), "AZ": ("Phoenix",), "CO": ("Denver",), "OR": ("Portland",),
    "MN": ("Minneapolis",), "ON": ("Toronto", "Ottawa"), "QC": ("Montréal", "Québec"), "BC": ("Vancouver",),
    "AB": ("Calgary", "Edmonton"), "MB": ("Winnipeg",), "NS": ("Halifax",), "BY": ("München", "Nürnberg"),
    "NW": ("Köln", "Düsseldorf", "Dortmund"), "BW": ("Stuttgart",), "BE": ("Berlin",), "HH": ("Hamburg",),
    "HE": ("Frankfurt am Main",), "GB": ("London", "Manchester", "Leeds", "Edinburgh", "Bristol"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse", "Lille"),
}
PERSONAS = {  # orders a year, typical order value, web sessions a year
    "heavy": (14.0, 140.0, 26.0),
    "regular": (5.0, 85.0, 11.0),
    "occasional": (1.5, 60.0, 4.0),
    "browser": (0.15, 55.0, 20.0),
    "dormant": (0.6, 50.0, 1.5),
}
PERSONA_WEIGHTS = (("heavy", 6), ("regular", 28), ("occasional", 40), ("browser", 16), ("dormant", 10))
CHANNELS = ("web", "store", "app")
DISCOUNT_CODES = ("WELCOME10", "SPRING15", "SUMMER20", "VIP20", "FREESHIP", "BF2025", "XMAS25")
DEVICES = (("mobile", 55), ("desktop", 35), ("tablet", 10))
SOURCES = (("google", 35), ("direct", 25), ("email", 15), ("social", 10), ("affiliate", 5), (None, 10))
TICKET_CATEGORIES = (("delivery", 30), ("returns", 22), ("billing", 15), ("product", 20), ("account", 10), (None, 3))
HOURS = (1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 11, 10, 9, 9, 9, 10, 12, 13, 12, 9, 5, 2)  # weight per hour of day
CAMPAIGN_THEMES = ("new-arrivals", "weekly-picks", "members-offer", "style-guide", "clearance", "back-in-stock")
# The catalogue: product p belongs to CATEGORIES[p % len(CATEGORIES)]; a customer favours one category.
PRODUCTS = 400
CATEGORIES = ("books", "electronics", "home", "toys", "garden", "beauty", "sports", "fashion")
SHOP_TRACKING_START = dt.date(2025, 6, 1)  # product views and cart additions are kept since then

# Customers 1-8 are partly made by hand, for the edges the segment tests care about:
#  1  high value, lapsed: paid orders worth 645.50 in the last year, the last one exactly 90 days before
#     2026-06-30 (2026-04-01 00:00), which `in last 90 days` does not include
#  2  born on 29 February 2000
#  3  signed up on 31 January 2026 at 23:59:59
#  4  a paid order at the very last second of 2026-06-30 and one at the first second of 2026-07-01
#  5  an order whose time is missing (it never counts) next to an ordinary one
#  6  like 1, but the last order is 89 days before the as-of date, so not lapsed
#  7  signed up after the as-of date (2026-07-15) and ordered only after it
#  8  an internal QA account on example.com
_ts = dt.datetime.fromisoformat
BOUNDARY_PROFILES: dict[int, dict[str, object]] = {
    1: {"first_name": "Ava", "country": "US", "email": "ava.1@gmail.com", "email_opt_in": True,
        "signup_at": _ts("2023-03-14T09:30:00"), "address": (500_001, "NY", "New York", "10001")},
    2: {"first_name": "Leah", "email": "leah.2@outlook.com", "birth_date": dt.date(2000, 2, 29)},
    3: {"signup_at": _ts("2026-01-31T23:59:59")},
    4: {"signup_at": _ts("2024-05-05T12:00:00")},
    5: {"signup_at": _ts("2022-10-10T08:00:00")},
    6: {"first_name": "Noah", "country": "US", "email": "noah.6@gmail.com", "email_opt_in": True,
        "signup_at": _ts("2023-03-14T09:30:00"), "address": (500_006, "NY", "New York", "10001")},
    7: {"signup_at": _ts("2026-07-15T11:11:11"), "active_until": DATA_END},
    8: {"email": "qa.ops@example.com", "first_name": "QA", "email_opt_in": False},
}
HAND_MADE_ORDERS: dict[int, tuple[tuple[str | None, str, str | None], ...]] = {  # (ordered_at, amount, channel)
    1: (("2025-08-15T14:20:00", "320.00", "store"), ("2025-12-01T10:00:00", "280.00", "web"),
        ("2026-04-01T00:00:00", "45.50", "web")),
    4: (("2026-06-30T23:59:59", "99.99", "app"), ("2026-07-01T00:00:00", "150.00", "app")),
    5: ((None, "75.00", None), ("2026-02-14T18:45:00", "60.00", "store")),
    6: (("2025-08-15T14:20:00", "320.00", "store"), ("2025-12-01T10:00:00", "280.00", "web"),
        ("2026-04-02T00:00:00", "45.50", "web")),
    7: (("2026-07-15T11:30:00", "42.00", "web"),),
}


def pick(rng: random.Random, weighted: Sequence[tuple[object, int]]) -> object:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def day_plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment on `day`, at a plausible hour."""
    hour = rng.choices(range(24), weights=HOURS)[0]
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))


def poisson_days(rng: random.Random, start: dt.date, end: dt.date, per_year: float) -> Iterable[dt.date]:
    """Days of a Poisson process with `per_year` events a year, from start to end inclusive."""
    if per_year <= 0 or end < start:
        return
    span = (end - start).days + 1
    t = rng.expovariate(per_year / 365.0)
    while t < span:
        yield day_plus(start, int(t))
        t += rng.expovariate(per_year / 365.0)


@dataclass(slots=True)
class Customer:
    """A customer row, and the hidden traits that drive the customer's behaviour."""

    customer_id: int
    first_name: str | None
    country: str | None
    birth_date: dt.date | None
    signup_at: dt.datetime
    email_opt_in: bool | None
    sms_opt_in: bool | None
    persona: str
    channel: str  # the channel most orders come through
    device: str  # the device most sessions come from
    hunter: bool  # uses discount codes whenever there is one
    unhappy: bool  # often contacts support, and rates it badly
    email_affinity: float  # chance of opening a marketing e-mail
    active_until: dt.date  # stops buying after this day
    email: str | None = None
    address: tuple[int, str | None, str | None, str | None] | None = None


Row = tuple[object, ...]


class Generator:
    def __init__(self, customers: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = customers
        self.rows: dict[str, list[Row]] = {name: [] for name in TABLES}
        # events before their identifiers are given out: (customer_id, time, *the other columns)
        self.orders: list[Row] = []
        self.sessions: list[Row] = []
        self.tickets: list[Row] = []

    def run(self) -> dict[str, list[Row]]:
        customers = [self.customer(cid) for cid in range(1, self.n + 1)]
        boundary = len(customers) >= len(BOUNDARY_PROFILES)
        for cid, profile in BOUNDARY_PROFILES.items() if boundary else ():
            for field, value in profile.items():
                setattr(customers[cid - 1], field, value)
        for c in customers:
            self.activity(c)
        self.email_campaigns(customers)
        if boundary:
            self.hand_made_orders()
        self.finish(customers)
        self.shop(customers)
        return self.rows

    # ---- customers ----

    def customer(self, cid: int) -> Customer:
        rng = self.rng
        country = cast("str | None", pick(rng, COUNTRIES))
        first = rng.choice(FIRST_NAMES)
        total_days = (DATA_END - DATA_START).days
        signup_day = day_plus(DATA_START, int(total_days * rng.random() ** 0.7))  # more sign-ups lately
        age = rng.triangular(16, 85, 34)
        birth = day_plus(AS_OF, -int(age * 365.25)) if rng.random() > 0.15 else None
        c = Customer(
            customer_id=cid,
            first_name=first if rng.random() > 0.02 else None,
            country=country,
            birth_date=birth,
            signup_at=at(signup_day, rng),
            email_opt_in=rng.random() < 0.6 if rng.random() > 0.01 else None,
            sms_opt_in=rng.random() < 0.3 if rng.random() > 0.02 else None,
            persona=str(pick(rng, PERSONA_WEIGHTS)),
            channel=str(pick(rng, (("web", 45), ("store", 35), ("app", 20)))),
            device=str(pick(rng, DEVICES)),
            hunter=rng.random() < 0.12,
            unhappy=rng.random() < 0.06,
            email_affinity=0.55 if rng.random() < 0.25 else 0.12,
            # 55% are still active when the data ends; the others stop at some point after signing up
            active_until=DATA_END if rng.random() < 0.55 else day_plus(
                signup_day, int(rng.random() * ((DATA_END - signup_day).days + 1))),
        )
        c.email = self.email(c)
        c.address = self.address(cid, country) if rng.random() < 0.95 else None
        return c

    def email(self, c: Customer) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return None  # store-only customers never gave one
        local = f"{(c.first_name or 'customer').lower()}.{rng.choice(LAST_INITIALS).lower()}{c.customer_id}"
        local = local.replace("é", "e")
        if roll < 0.045:
            return f"{local}@example.com"  # staff and QA accounts live on example.com
        if roll < 0.05:
            return f"{local}+test@gmail.com"
        if roll < 0.053:
            return f"qa.{local}@retail-test.net"
        if roll < 0.056:
            c.first_name = rng.choice(("Test", "test", " TEST "))
        return f"{local}@{pick(rng, DOMAINS.get(c.country or 'US', DOMAINS['US']))}"

    def address(self, cid: int, country: str | None) -> tuple[int, str | None, str | None, str | None]:
        rng = self.rng
        state: str | None
        if country in STATES:
            state = str(pick(rng, STATES[country])) if rng.random() > 0.02 else None
        elif country is None:
            state = str(pick(rng, STATES["US"])) if rng.random() < 0.5 else None
        else:
            state = None  # GB and FR addresses carry no state
        city_key = state if state in CITIES else (country if country in CITIES else None)
        city = rng.choice(CITIES[city_key]) if city_key is not None and rng.random() > 0.01 else None
        if country == "GB":
            postal = (f"{rng.choice(('SW', 'M', 'LS', 'EH', 'BS'))}{rng.randrange(1, 20)} {rng.randrange(1, 10)}"
                      f"{rng.choice('ABDEFGHJLNP')}{rng.choice('QRSTUWXYZ')}")
        elif country == "CA":
            postal = (f"{rng.choice('KLMNHJTVRB')}{rng.randrange(10)}{rng.choice('ABCEGHJ')} "
                      f"{rng.randrange(10)}{rng.choice('KLMNPR')}{rng.randrange(10)}")
        else:
            postal = f"{rng.randrange(1000, 99999):05d}"
        return (500_000 + cid, state, city, postal if rng.random() > 0.03 else None)

    # ---- events ----

    def activity(self, c: Customer) -> None:
        rng = self.rng
        cid = c.customer_id
        signup = c.signup_at.date()
        per_year, typical, sessions_per_year = PERSONAS[c.persona]
        for day in poisson_days(rng, signup, c.active_until, per_year):
            self.random_order(c, day, typical)
        if c.persona == "browser":
            web_until = DATA_END
        else:  # browsing fades out some weeks after the last purchase
            web_until = min(DATA_END, day_plus(c.active_until, rng.randrange(0, 120)))
        for day in poisson_days(rng, max(signup, WEB_TRACKING_START), web_until, sessions_per_year):
            device = c.device if rng.random() < 0.7 else pick(rng, DEVICES)
            pages = min(60, 1 + int(rng.expovariate(1 / 3.5)))
            started = at(day, rng) if rng.random() > 0.002 else None
            self.sessions.append((cid, started, device, pages, pick(rng, SOURCES)))
        tickets_per_year = 3.0 if c.unhappy else 0.35
        for day in poisson_days(rng, max(signup, SUPPORT_START), DATA_END, tickets_per_year):
            if c.unhappy:
                priority = pick(rng, (("low", 10), ("normal", 40), ("high", 35), ("urgent", 15)))
                score = pick(rng, ((1, 45), (2, 30), (3, 15), (4, 7), (5, 3)))
            else:
                priority = pick(rng, (("low", 25), ("normal", 50), ("high", 18), ("urgent", 7)))
                score = pick(rng, ((1, 5), (2, 7), (3, 15), (4, 33), (5, 40)))
            satisfaction = score if rng.random() > 0.35 else None  # many never answer the survey
            opened = at(day, rng) if rng.random() > 0.003 else None
            self.tickets.append((cid, opened, priority, pick(rng, TICKET_CATEGORIES), satisfaction))

    def random_order(self, c: Customer, day: dt.date, typical: float) -> None:
        rng = self.rng
        amount = Decimal(max(4.99, typical * rng.lognormvariate(0, 0.55))).quantize(Decimal("0.01"))
        status = pick(rng, (("paid", 88), ("cancelled", 7), ("refunded", 5)))
        channel: str | None = c.channel if rng.random() < 0.7 else rng.choice(CHANNELS)
        if (day < MIGRATION_END and rng.random() < 0.5) or rng.random() < 0.01:
            channel = None
        code = rng.choice(DISCOUNT_CODES) if rng.random() < (0.75 if c.hunter else 0.1) else None
        when = at(day, rng) if rng.random() > 0.002 else None
        self.orders.append((c.customer_id, when, amount, status, channel, code))

    def email_campaigns(self, customers: list[Customer]) -> None:
        """A weekly campaign since EMAIL_START, each sent to about a quarter of the opted-in customers."""
        rng = self.rng
        rows = self.rows["marketing.email_events"]
        send = EMAIL_START
        week = 0
        while send <= DATA_END:
            campaign = f"{send:%Y-%m-%d}-{CAMPAIGN_THEMES[week % len(CAMPAIGN_THEMES)]}"
            for c in customers:
                if c.signup_at.date() > send:
                    continue
                # opted-out customers appear too: they were mailed before they withdrew consent
                if rng.random() >= (0.25 if c.email_opt_in else 0.015):
                    continue
                affinity = c.email_affinity * (0.3 if send > c.active_until else 1.0)
                opened = rng.random() < affinity
                clicked = (opened and rng.random() < 0.5) or (not opened and rng.random() < 0.01)  # images blocked
                day = send + dt.timedelta(days=rng.choice((0, 0, 0, 1))) if rng.random() > 0.002 else None
                rows.append((c.customer_id, day, campaign, opened, clicked))
            week += 1
            send += dt.timedelta(days=7)

    def hand_made_orders(self) -> None:
        """The orders of HAND_MADE_ORDERS replace the random ones of those customers."""
        self.orders = [o for o in self.orders if o[0] not in HAND_MADE_ORDERS]
        for cid, orders in HAND_MADE_ORDERS.items():
            for when, amount, channel in orders:
                moment = dt.datetime.fromisoformat(when) if when else None
                self.orders.append((cid, moment, Decimal(amount), "paid", channel, None))

    # ---- assembling the tables ----

    def finish(self, customers: list[Customer]) -> None:
        rows = self.rows

        def by_time(row: Row) -> tuple[bool, dt.datetime, int]:
            # identifiers follow time, as in a real system; events without a time come last
            when = row[1]
            return (when is None, when if isinstance(when, dt.datetime) else dt.datetime.min, cast(int, row[0]))

        self.orders.sort(key=by_time)
        lifetime_value: dict[int, Decimal] = {}
        for i, (cid, when, amount, status, channel, code) in enumerate(self.orders):
            rows["sales.orders"].append((100_001 + i, cid, when, amount, status, channel, code))
            if status == "paid" and when is not None:
                key = cast(int, cid)
                lifetime_value[key] = lifetime_value.get(key, Decimal(0)) + cast(Decimal, amount)
        self.sessions.sort(key=by_time)
        rows["web.sessions"] = [(9_000_001 + i, *s) for i, s in enumerate(self.sessions)]
        self.tickets.sort(key=by_time)
        rows["support.tickets"] = [(70_001 + i, *t) for i, t in enumerate(self.tickets)]
        rows["marketing.email_events"].sort(key=lambda r: (str(r[2]), cast(int, r[0])))
        rng = self.rng
        for c in customers:
            value = lifetime_value.get(c.customer_id)
            if value is None:
                tier = "bronze" if rng.random() < 0.5 else None
            else:
                tier = "platinum" if value >= 3000 else "gold" if value >= 1200 else "silver" if value >= 400 else "bronze"
            address_id = None
            if c.address is not None:
                address_id = c.address[0]
                if rng.random() < 0.02:
                    address_id = 900_000 + c.customer_id  # the address has since been deleted
                else:
                    rows["crm.addresses"].append(c.address)
            rows["crm.customers"].append((
                c.customer_id, c.email, c.first_name, c.country, c.birth_date, c.signup_at, c.email_opt_in,
                c.sms_opt_in, value, tier, address_id,
            ))


    # ---- the shop's browsing: a random stream of its own, so the tables above never change ----

    def shop(self, customers: list[Customer]) -> None:
        """Order items for every order; before a web or app order, the views and cart additions that led to it;
        cart additions nobody bought and views that went nowhere; reviews some days after a purchase."""
        rng = random.Random(self.rng.random())
        favourite = {c.customer_id: rng.randrange(len(CATEGORIES)) for c in customers}
        rows = self.rows

        def product(cid: int) -> tuple[int, str]:
            if rng.random() < 0.6:  # the favourite category
                p = favourite[cid] + len(CATEGORIES) * rng.randrange(PRODUCTS // len(CATEGORIES))
            else:
                p = rng.randrange(PRODUCTS)
            return p + 1, CATEGORIES[(p + 1) % len(CATEGORIES)]

        def price(p: int) -> Decimal:
            return Decimal(4.99 + (p * 7919 % 23000) / 100).quantize(Decimal("0.01"))

        for order_id, cid, when, _amount, status, channel, _code in rows["sales.orders"]:
            cid = cast(int, cid)
            items = [product(cid) for _ in range(1 + int(rng.expovariate(1.4)))]
            for p, category in items:
                rows["sales.order_items"].append((order_id, cid, when, p, category, 1 + int(rng.expovariate(2)),
                                                  price(p)))
            if not isinstance(when, dt.datetime) or when.date() < SHOP_TRACKING_START or channel not in ("web", "app"):
                continue
            for p, category in items:  # what led to a web or app order: a view, then the cart, minutes to hours before
                if rng.random() < 0.8:
                    added = when - dt.timedelta(minutes=rng.randrange(2, 600))
                    rows["shop.cart_adds"].append((cid, added, p, category, price(p)))
                    viewed = added - dt.timedelta(minutes=rng.randrange(1, 90))
                    rows["web.product_views"].append((cid, viewed, p, category))
            if status == "paid" and rng.random() < 0.15:  # a review of one item, days later (the date only)
                p, _ = rng.choice(items)
                day = when.date() + dt.timedelta(days=rng.randrange(2, 40)) if rng.random() > 0.01 else None
                rows["shop.reviews"].append((cid, day, p, pick(rng, ((5, 45), (4, 30), (3, 12), (2, 6), (1, 7)))))
        for c in customers:  # browsing that did not end in an order
            start = max(c.signup_at.date(), SHOP_TRACKING_START)
            rate = {"browser": 40.0, "heavy": 20.0, "regular": 10.0, "occasional": 5.0, "dormant": 1.0}[c.persona]
            for day in poisson_days(rng, start, DATA_END, rate):
                p, category = product(c.customer_id)
                viewed = at(day, rng) if rng.random() > 0.003 else None
                rows["web.product_views"].append((c.customer_id, viewed, p, category))
                if viewed is not None and rng.random() < 0.3:  # into the cart, and left there
                    added = viewed + dt.timedelta(minutes=rng.randrange(1, 30))
                    rows["shop.cart_adds"].append((c.customer_id, added, p, category, price(p)))

        def by_time(row: Row) -> tuple[bool, dt.datetime, int]:
            when = row[1]
            return (when is None, when if isinstance(when, dt.datetime) else dt.datetime.min, cast(int, row[0]))

        rows["web.product_views"].sort(key=by_time)
        rows["shop.cart_adds"].sort(key=by_time)
        rows["shop.reviews"].sort(key=lambda r: (r[1] is None, r[1] or dt.date.min, cast(int, r[0])))


def csv_value(value: object) -> object:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


def write_database(path: Path, rows: dict[str, list[tuple[object, ...]]]) -> None:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for table, columns in TABLES.items():
                schema = table.split(".")[0]
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
                csv_path = Path(tmp) / f"{table}.csv"
                with csv_path.open("w", newline="", encoding="utf-8") as f:
                    writer = csv.writer(f)
                    writer.writerows([csv_value(v) for v in row] for row in rows[table])
                con.execute(
                    f"COPY {table} FROM '{csv_path.as_posix()}' (FORMAT csv, HEADER false, NULLSTR '\\N', QUOTE '\"')")
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=here / "data" / "retail.duckdb",
                        help="the DuckDB file to create (replaced if it exists)")
    parser.add_argument("--customers", type=int, default=5000, help="number of customers (default 5000)")
    parser.add_argument("--seed", type=int, default=20260630, help="random seed (default 20260630)")
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    started = time.perf_counter()
    rows = Generator(args.customers, args.seed).run()
    write_database(args.out, rows)
    counts = ", ".join(f"{table} {len(rows[table])}" for table in TABLES)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f}s: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
