"""Large retail data for the benchmarks, in Parquet: the example project's schema, generated inside DuckDB.

    python benchmarks/generate.py [--out DIR] [--customers N] [--events N|10M|100M] [--seed S]

Every column is a hash of (row, column, seed), so the same arguments always give the same rows, whatever
the number of threads. `--events` rows are split over the four base event tables (orders, web sessions,
support tickets, e-mail events) in fixed shares; each customer's share of a table follows a persona (heavy,
regular, occasional, browser, dormant) and how long they were active, and the per-customer counts are
rounded from cumulative weights so that the total is exact. The shop's tables come on top, as in the retail
example (and from hash columns of their own, so the base tables keep every row): the items of every order,
the product views and cart additions before web and app orders, browsing that ended in no order (half as
many views as `--events`, about a third of them put in the cart), and reviews of some paid orders; about
1.1 rows for every base event in all. Writes one Parquet file per table (customers.parquet,
addresses.parquet, orders.parquet, …) with COPY … TO. Imports duckdb only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"

# The tables of examples/retail/schema.yml: (file stem, schema-qualified name) per table.
TABLES = {
    "customers": "crm.customers",
    "addresses": "crm.addresses",
    "orders": "sales.orders",
    "sessions": "web.sessions",
    "tickets": "support.tickets",
    "email_events": "marketing.email_events",
    "order_items": "sales.order_items",
    "product_views": "web.product_views",
    "cart_adds": "shop.cart_adds",
    "reviews": "shop.reviews",
}
# How the events are shared between the base event tables (the shop's tables are drawn on top of them).
EVENT_SHARES = {"orders": 0.30, "sessions": 0.40, "tickets": 0.05, "email_events": 0.25}
SHOP_TABLES = ("order_items", "product_views", "cart_adds", "reviews")

DATA_START = "2019-01-01"  # first sign-up
DATA_END = "2026-09-30"  # the export runs three months past the benchmark's as-of date, 2026-06-30
SECONDS = 2829 * 86400  # DATA_START .. DATA_END

FIRST_NAMES = ("Ava Liam Olivia Noah Emma Oliver Sophia Elijah Mia Lucas Amelia Mason Harper Ethan Ella James "
               "Chloe Benjamin Lena Jonas Hannah Leon Emilie Louis Hugo Manon Jules Isla Jack Freya Harry Aisha "
               "Omar Priya Arjun Mei Chen Sofia Mateo Zoe Gabriel Nora Samuel Leah Daniel Maya David Aria Henry").split()
DOMAINS = ("gmail.com", "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "web.de", "gmx.de", "orange.fr")
US_STATES = "CA CA CA TX TX NY NY FL FL WA IL PA OH GA NC MA AZ CO OR MN".split()
CA_STATES = "ON ON ON ON QC QC BC BC AB MB".split()
DE_STATES = "BY BY NW NW NW BW BW BE HH HE".split()
DISCOUNT_CODES = ("WELCOME10", "SPRING15", "SUMMER20", "VIP20", "FREESHIP", "BF2025", "XMAS25")
SOURCES = ("google", "google", "google", "direct", "direct", "email", "social", "affiliate")
CATEGORIES = ("delivery", "delivery", "returns", "billing", "product", "product", "account")
THEMES = ("new-arrivals", "weekly-picks", "members-offer", "style-guide", "clearance", "back-in-stock")
# The catalogue: product p (0-based) is in PRODUCT_CATEGORIES[p % 8], and its price follows from p; each customer
# favours one category. Product views and cart additions are kept since SHOP_START (as in the example).
PRODUCT_CATEGORIES = ("books", "electronics", "home", "toys", "garden", "beauty", "sports", "fashion")
PRODUCTS = 4000
SHOP_START = "2025-06-01"
REVIEW_START = "2024-01-01"  # the review platform's first export
BROWSE_SHARE = 0.5  # product views of browsing that ended in no order, as a share of `events`
BROWSE_RATE = ("CASE persona WHEN 'browser' THEN 40 WHEN 'heavy' THEN 20 WHEN 'regular' THEN 10 "
               "WHEN 'occasional' THEN 5 ELSE 1 END")


def sql_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join("'" + item + "'" for item in items) + "]"


def pick(items: tuple[str, ...] | list[str], hashed: str) -> str:
    """One item of a constant list, chosen by a hash expression."""
    return f"{sql_list(items)}[1 + CAST(({hashed}) % {len(items)} AS BIGINT)]"


def parse_count(text: str) -> int:
    text = text.strip().upper().replace("_", "")
    scale = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def macros(seed: int) -> list[str]:
    # u(row, column): a uniform number in (0, 1), never exactly 0 or 1; h(row, column): a 64-bit hash
    return [
        f"CREATE OR REPLACE TEMP MACRO h(i, k) AS hash(i, k, {seed})",
        f"CREATE OR REPLACE TEMP MACRO u(i, k) AS ((hash(i, k, {seed}) % 1000000007) + 1)::DOUBLE / 1000000009",
        # a standard normal number (Box-Muller)
        "CREATE OR REPLACE TEMP MACRO z(i, k) AS sqrt(-2 * ln(u(i, k))) * cos(2 * pi() * u(i, k + 1))",
    ]


def people_sql(customers: int) -> str:
    """The hidden traits of each customer that drive their rows (kept in a temporary table)."""
    return f"""
CREATE OR REPLACE TEMP TABLE people AS
SELECT *,
  -- when the customer stopped buying (55% never did)
  CASE WHEN u(id, 16) < 0.55 THEN TIMESTAMP '{DATA_END} 23:59:59'
       ELSE signup_at + to_seconds(CAST(u(id, 17) * epoch(TIMESTAMP '{DATA_END} 23:59:59' - signup_at) AS BIGINT))
  END AS active_until
FROM (
  SELECT range + 1 AS id,
    TIMESTAMP '{DATA_START}' + to_seconds(CAST(pow(u(range + 1, 7), 0.7) * {SECONDS} AS BIGINT)) AS signup_at,
    CASE WHEN u(range + 1, 10) < 0.06 THEN 'heavy' WHEN u(range + 1, 10) < 0.34 THEN 'regular'
         WHEN u(range + 1, 10) < 0.74 THEN 'occasional' WHEN u(range + 1, 10) < 0.90 THEN 'browser'
         ELSE 'dormant' END AS persona,
    CASE WHEN u(range + 1, 11) < 0.45 THEN 'web' WHEN u(range + 1, 11) < 0.80 THEN 'store' ELSE 'app' END AS channel,
    CASE WHEN u(range + 1, 12) < 0.55 THEN 'mobile' WHEN u(range + 1, 12) < 0.90 THEN 'desktop' ELSE 'tablet' END AS device,
    u(range + 1, 13) < 0.12 AS hunter,
    u(range + 1, 14) < 0.06 AS unhappy,
    CASE WHEN u(range + 1, 15) < 0.25 THEN 0.55 ELSE 0.12 END AS affinity,
    CASE WHEN u(range + 1, 8) < 0.01 THEN NULL ELSE u(range + 1, 9) < 0.6 END AS email_opt_in
  FROM range({customers})
)
"""


def counts_sql(table: str, weight: str, total: int) -> str:
    """Per customer, how many rows of `table` they get: proportional to `weight`, rounded from cumulative
    weights so that the counts add up to exactly `total`; and the number of rows before theirs."""
    return f"""
CREATE OR REPLACE TEMP TABLE n_{table} AS
WITH w AS (SELECT id, greatest(CAST(({weight}) * 1000 AS BIGINT), 0) AS w FROM people),
cum AS (SELECT id, sum(w) OVER (ORDER BY id) AS upto, sum(w) OVER () AS total FROM w)
SELECT id,
  CAST(floor(upto::HUGEINT * {total} / total) AS BIGINT) AS until,
  CAST(floor(upto::HUGEINT * {total} / total) AS BIGINT)
    - coalesce(lag(CAST(floor(upto::HUGEINT * {total} / total) AS BIGINT)) OVER (ORDER BY id), 0) AS n
FROM cum
"""


def rows_sql(table: str) -> str:
    """Each customer's rows of an event table: (id, j = 0, 1, …, i = a number unique in the table)."""
    return (f"(SELECT p.*, j, until - n + j AS i FROM n_{table} AS k JOIN people AS p USING (id), "
            f"unnest(range(n)) AS r(j) WHERE n > 0)")


RATE = {  # events a year per persona: orders, web sessions
    "orders": "CASE persona WHEN 'heavy' THEN 14 WHEN 'regular' THEN 5 WHEN 'occasional' THEN 1.5 "
              "WHEN 'browser' THEN 0.15 ELSE 0.6 END",
    "sessions": "CASE persona WHEN 'heavy' THEN 26 WHEN 'regular' THEN 11 WHEN 'occasional' THEN 4 "
                "WHEN 'browser' THEN 20 ELSE 1.5 END",
}
WEB_START, SUPPORT_START, EMAIL_START = "2025-01-01", "2023-01-01", "2025-07-07"
WEB_UNTIL = (f"CASE WHEN persona = 'browser' THEN TIMESTAMP '{DATA_END} 23:59:59' "
             f"ELSE least(TIMESTAMP '{DATA_END} 23:59:59', active_until + to_days(CAST(u(id, 19) * 120 AS INTEGER))) END")


def days(start: str, end: str) -> str:
    return f"greatest(epoch({end} - {start}) / 86400.0, 0)"


def between(start: str, end: str, row: str, k: int) -> str:
    """A moment between start and end, uniformly."""
    return f"({start} + to_seconds(CAST(u({row}, {k}) * epoch({end} - {start}) AS BIGINT)))"


def orders_sql(path: Path) -> str:
    # events are keyed by (customer id, j): hash(id * 4096 + j) keeps them apart for j < 4096 (each
    # customer has far fewer rows of a table than that even at 100M events)
    row = "id * 4096 + j"
    at = between("signup_at", "active_until", row, 21)
    return f"""
COPY (
  SELECT CAST(100001 + i AS BIGINT) AS order_id, CAST(id AS INTEGER) AS customer_id,
    CASE WHEN u({row}, 22) < 0.002 THEN NULL ELSE {at} END AS ordered_at,
    CAST(round(greatest(4.99, (CASE persona WHEN 'heavy' THEN 140 WHEN 'regular' THEN 85 WHEN 'occasional' THEN 60
         ELSE 52 END) * exp(0.55 * z({row}, 23))), 2) AS DECIMAL(12, 2)) AS amount,
    CASE WHEN u({row}, 25) < 0.88 THEN 'paid' WHEN u({row}, 25) < 0.95 THEN 'cancelled' ELSE 'refunded' END AS status,
    CASE WHEN u({row}, 26) < 0.01 OR ({at} < TIMESTAMP '2021-01-01' AND u({row}, 27) < 0.5) THEN NULL
         WHEN u({row}, 28) < 0.7 THEN channel ELSE {pick(('web', 'store', 'app'), f'h({row}, 29)')} END AS channel,
    CASE WHEN u({row}, 30) < (CASE WHEN hunter THEN 0.75 ELSE 0.1 END)
         THEN {pick(DISCOUNT_CODES, f'h({row}, 31)')} END AS discount_code
  FROM {rows_sql('orders')}
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def sessions_sql(path: Path) -> str:
    row = "id * 4096 + j"
    start = f"greatest(signup_at, TIMESTAMP '{WEB_START}')"
    return f"""
COPY (
  SELECT CAST(9000001 + i AS BIGINT) AS session_id, CAST(id AS INTEGER) AS customer_id,
    CASE WHEN u({row}, 41) < 0.002 THEN NULL ELSE {between(start, WEB_UNTIL, row, 42)} END AS started_at,
    CASE WHEN u({row}, 43) < 0.7 THEN device ELSE {pick(('mobile', 'mobile', 'desktop', 'desktop', 'tablet'), f'h({row}, 44)')} END AS device,
    CAST(least(60, 1 + floor(-3.5 * ln(u({row}, 45)))) AS INTEGER) AS pages,
    CASE WHEN u({row}, 46) < 0.1 THEN NULL ELSE {pick(SOURCES, f'h({row}, 47)')} END AS source
  FROM {rows_sql('sessions')}
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def tickets_sql(path: Path) -> str:
    row = "id * 4096 + j"
    start = f"greatest(signup_at, TIMESTAMP '{SUPPORT_START}')"
    end = f"TIMESTAMP '{DATA_END} 23:59:59'"
    return f"""
COPY (
  SELECT CAST(70001 + i AS BIGINT) AS ticket_id, CAST(id AS INTEGER) AS customer_id,
    CASE WHEN u({row}, 51) < 0.003 THEN NULL ELSE {between(start, end, row, 52)} END AS opened_at,
    CASE WHEN unhappy THEN {pick(('low', 'normal', 'normal', 'normal', 'high', 'high', 'high', 'urgent', 'urgent'), f'h({row}, 53)')}
         ELSE {pick(('low', 'low', 'normal', 'normal', 'normal', 'normal', 'high', 'high', 'urgent'), f'h({row}, 53)')} END AS priority,
    CASE WHEN u({row}, 54) < 0.03 THEN NULL ELSE {pick(CATEGORIES, f'h({row}, 55)')} END AS category,
    CASE WHEN u({row}, 56) < 0.35 THEN NULL
         WHEN unhappy THEN [1, 1, 1, 2, 2, 3, 4, 5][1 + CAST(h({row}, 57) % 8 AS BIGINT)]
         ELSE [1, 2, 3, 3, 4, 4, 4, 5, 5, 5][1 + CAST(h({row}, 57) % 10 AS BIGINT)] END AS satisfaction
  FROM {rows_sql('tickets')}
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def email_sql(path: Path) -> str:
    row = "id * 4096 + j"
    weeks = f"greatest(0, date_diff('week', DATE '{EMAIL_START}', DATE '{DATA_END}'))"
    # the week of the send, uniformly between the later of sign-up and the first campaign and the end
    first_week = f"greatest(0, ceil(date_diff('day', DATE '{EMAIL_START}', CAST(signup_at AS DATE)) / 7.0))"
    week = f"CAST({first_week} + floor(u({row}, 61) * ({weeks} + 1 - {first_week})) AS INTEGER)"
    send = f"(DATE '{EMAIL_START}' + 7 * {week})"
    opened = f"(u({row}, 63) < affinity * (CASE WHEN {send} > active_until THEN 0.3 ELSE 1 END))"
    return f"""
COPY (
  SELECT CAST(id AS INTEGER) AS customer_id,
    CASE WHEN u({row}, 62) < 0.002 THEN NULL ELSE CAST({send} + CAST(h({row}, 64) % 4 = 0 AS INTEGER) AS DATE) END AS sent_at,
    strftime({send}, '%Y-%m-%d') || '-' || {pick(THEMES, week)} AS campaign,
    {opened} AS opened,
    ({opened} AND u({row}, 65) < 0.5) OR (NOT {opened} AND u({row}, 66) < 0.01) AS clicked
  FROM {rows_sql('email_events')}
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def product_sql(row: str, customer: str) -> str:
    """The 0-based product of an item, view or cart addition: 60% in the customer's favourite category,
    popular products more often than others."""
    per_category = PRODUCTS // len(PRODUCT_CATEGORIES)
    favourite = f"CAST(h({customer}, 70) % {len(PRODUCT_CATEGORIES)} AS BIGINT)"
    return (f"CASE WHEN u({row}, 71) < 0.6 "
            f"THEN {favourite} + {len(PRODUCT_CATEGORIES)} * CAST(floor(pow(u({row}, 72), 2) * {per_category}) AS BIGINT) "
            f"ELSE CAST(floor(pow(u({row}, 73), 1.5) * {PRODUCTS}) AS BIGINT) END")


def product_columns(p: str) -> str:
    return (f"CAST({p} + 1 AS INTEGER) AS product_id, {sql_list(PRODUCT_CATEGORIES)}[1 + CAST({p} % {len(PRODUCT_CATEGORIES)} AS BIGINT)] "
            "AS category")


def price(p: str) -> str:
    return f"CAST(round(4.99 + ({p} * 7919 % 23000) / 100.0, 2) AS DECIMAL(12, 2))"


def items_sql(orders: Path) -> str:
    """Every order's items (1 + floor(Exp(1.4)) of them, as in the example), in a temporary table with the
    order's status and channel and a row number r for the hashes."""
    return f"""
CREATE OR REPLACE TEMP TABLE items AS
SELECT *, {product_sql('r', 'customer_id')} AS p
FROM (
  SELECT o.order_id, o.customer_id, o.ordered_at, o.status, o.channel, k, o.order_id * 16 + k AS r
  FROM read_parquet('{orders}') AS o,
    unnest(range(1 + least(CAST(floor(-ln(u(o.order_id, 74)) / 1.4) AS BIGINT), 15))) AS t(k)
)
"""


def order_items_sql(path: Path) -> str:
    return f"""
COPY (
  SELECT order_id, customer_id, ordered_at, {product_columns('p')},
    CAST(1 + floor(-ln(u(r, 78)) / 2) AS INTEGER) AS quantity, {price('p')} AS price
  FROM items
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


# What led to a web or app order since SHOP_START: for 80% of its items, a cart addition 2 to 600 minutes
# before the order and a product view 1 to 90 minutes before that.
ORDER_LED = f"channel IN ('web', 'app') AND ordered_at >= TIMESTAMP '{SHOP_START}' AND u(r, 79) < 0.8"
ADDED = "(ordered_at - to_minutes(CAST(2 + h(r, 80) % 598 AS BIGINT)))"


def browsing_sql() -> str:
    """Browsing that ended in no order: product views (0.3% without a time) between the later of sign-up and
    SHOP_START and the end, at each persona's rate, about a third of them put in the cart 1 to 29 minutes later."""
    row = "id * 4096 + j"
    start = f"greatest(signup_at, TIMESTAMP '{SHOP_START}')"
    return f"""
CREATE OR REPLACE TEMP TABLE browsing AS
SELECT customer_id, viewed_at, p,
  CASE WHEN viewed_at IS NOT NULL AND u(rn, 84) < 0.3
       THEN viewed_at + to_minutes(CAST(1 + h(rn, 85) % 29 AS BIGINT)) END AS added_at
FROM (
  SELECT CAST(id AS INTEGER) AS customer_id, {row} AS rn, {product_sql(row, 'id')} AS p,
    CASE WHEN u({row}, 82) < 0.003 THEN NULL ELSE {between(start, f"TIMESTAMP '{DATA_END} 23:59:59'", row, 83)} END
      AS viewed_at
  FROM {rows_sql('browsing')}
)
"""


def product_views_sql(path: Path) -> str:
    return f"""
COPY (
  SELECT customer_id, {ADDED} - to_minutes(CAST(1 + h(r, 81) % 89 AS BIGINT)) AS viewed_at, {product_columns('p')}
  FROM items WHERE {ORDER_LED}
  UNION ALL
  SELECT customer_id, viewed_at, {product_columns('p')} FROM browsing
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def cart_adds_sql(path: Path) -> str:
    return f"""
COPY (
  SELECT customer_id, {ADDED} AS added_at, {product_columns('p')}, {price('p')} AS price
  FROM items WHERE {ORDER_LED}
  UNION ALL
  SELECT customer_id, added_at, {product_columns('p')}, {price('p')} AS price FROM browsing WHERE added_at IS NOT NULL
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def reviews_sql(path: Path) -> str:
    """A review of the first item of 10% of the paid orders since REVIEW_START, 2 to 39 days later (a date;
    1% without one), up to the end of the export."""
    stars = "[5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 2, 1, 1]"
    return f"""
COPY (
  SELECT customer_id, reviewed_on, CAST(p + 1 AS INTEGER) AS product_id, stars
  FROM (
    SELECT customer_id, p,
      CASE WHEN u(r, 86) < 0.01 THEN NULL ELSE CAST(ordered_at AS DATE) + CAST(2 + h(r, 87) % 38 AS INTEGER) END
        AS reviewed_on,
      {stars}[1 + CAST(h(r, 88) % 20 AS BIGINT)] AS stars
    FROM items
    WHERE k = 0 AND status = 'paid' AND ordered_at >= TIMESTAMP '{REVIEW_START}' AND u(r, 89) < 0.10
  )
  WHERE reviewed_on IS NULL OR reviewed_on <= DATE '{DATA_END}'
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def customers_sql(orders: Path, path: Path) -> str:
    first = pick(tuple(FIRST_NAMES), "h(id, 2)")
    local = f"lower(coalesce({first}, 'customer')) || '.' || id"
    return f"""
COPY (
  WITH value AS (
    SELECT customer_id AS id, sum(amount) AS lifetime_value FROM read_parquet('{orders}')
    WHERE status = 'paid' AND ordered_at IS NOT NULL GROUP BY customer_id
  )
  SELECT CAST(id AS INTEGER) AS customer_id,
    CASE WHEN u(id, 4) < 0.03 THEN NULL
         WHEN u(id, 4) < 0.045 THEN {local} || '@example.com'
         WHEN u(id, 4) < 0.05 THEN {local} || '+test@gmail.com'
         WHEN u(id, 4) < 0.053 THEN 'qa.' || {local} || '@retail-test.net'
         ELSE {local} || '@' || {pick(DOMAINS, 'h(id, 20)')} END AS email,
    CASE WHEN u(id, 3) < 0.02 THEN NULL WHEN u(id, 4) BETWEEN 0.053 AND 0.056 THEN ' Test '
         ELSE {first} END AS first_name,
    CASE WHEN u(id, 1) < 0.48 THEN 'US' WHEN u(id, 1) < 0.60 THEN 'CA' WHEN u(id, 1) < 0.75 THEN 'GB'
         WHEN u(id, 1) < 0.87 THEN 'DE' WHEN u(id, 1) < 0.96 THEN 'FR' END AS country,
    CASE WHEN u(id, 5) > 0.15
         THEN DATE '2026-06-30' - CAST((16 + 69 * pow(u(id, 6), 1.3)) * 365.25 AS INTEGER) END AS birth_date,
    signup_at,
    email_opt_in,
    CASE WHEN u(id, 18) < 0.02 THEN NULL ELSE u(id, 24) < 0.3 END AS sms_opt_in,
    CAST(lifetime_value AS DECIMAL(12, 2)) AS lifetime_value,
    CASE WHEN lifetime_value IS NULL THEN (CASE WHEN u(id, 32) < 0.5 THEN 'bronze' END)
         WHEN lifetime_value >= 3000 THEN 'platinum' WHEN lifetime_value >= 1200 THEN 'gold'
         WHEN lifetime_value >= 400 THEN 'silver' ELSE 'bronze' END AS loyalty_tier,
    CASE WHEN u(id, 33) >= 0.95 THEN NULL
         WHEN u(id, 34) < 0.02 THEN CAST(900000 + id AS INTEGER)  -- the address has since been deleted
         ELSE CAST(500000 + id AS INTEGER) END AS address_id
  FROM people LEFT JOIN value USING (id)
  ORDER BY id
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def addresses_sql(path: Path) -> str:
    country = ("CASE WHEN u(id, 1) < 0.48 THEN 'US' WHEN u(id, 1) < 0.60 THEN 'CA' WHEN u(id, 1) < 0.75 THEN 'GB' "
               "WHEN u(id, 1) < 0.87 THEN 'DE' WHEN u(id, 1) < 0.96 THEN 'FR' END")
    return f"""
COPY (
  SELECT CAST(500000 + id AS INTEGER) AS address_id,
    CASE WHEN u(id, 35) < 0.02 THEN NULL
         WHEN country = 'US' THEN {pick(US_STATES, 'h(id, 36)')}
         WHEN country = 'CA' THEN {pick(CA_STATES, 'h(id, 36)')}
         WHEN country = 'DE' THEN {pick(DE_STATES, 'h(id, 36)')}
         WHEN country IS NULL AND u(id, 37) < 0.5 THEN {pick(US_STATES, 'h(id, 36)')} END AS state,
    CASE WHEN u(id, 38) < 0.01 THEN NULL ELSE 'City ' || (h(id, 39) % 40) END AS city,
    CASE WHEN u(id, 40) < 0.03 THEN NULL ELSE lpad(CAST(h(id, 48) % 99999 AS VARCHAR), 5, '0') END AS postal_code
  FROM (SELECT id, {country} AS country FROM people WHERE u(id, 33) < 0.95 AND u(id, 34) >= 0.02)
  ORDER BY id
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def generate(out: Path, customers: int, events: int, seed: int, memory_limit: str | None = None,
             threads: int | None = None, log: bool = True) -> dict[str, int]:
    """Write the Parquet files into `out` (replacing them); returns the number of rows of each table."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET temp_directory = '{out / 'tmp'}'")
    con.execute("SET preserve_insertion_order = false")
    for statement in macros(seed):
        con.execute(statement)
    con.execute(people_sql(customers))
    end = f"TIMESTAMP '{DATA_END} 23:59:59'"
    weights = {
        "orders": f"({RATE['orders']}) * {days('signup_at', 'active_until')} / 365",
        "sessions": f"({RATE['sessions']}) * {days(f'greatest(signup_at, TIMESTAMP {chr(39)}{WEB_START}{chr(39)})', WEB_UNTIL)} / 365",
        "tickets": f"(CASE WHEN unhappy THEN 3.0 ELSE 0.35 END) * {days(f'greatest(signup_at, TIMESTAMP {chr(39)}{SUPPORT_START}{chr(39)})', end)} / 365",
        "email_events": f"(CASE WHEN email_opt_in THEN 0.25 ELSE 0.015 END) * {days(f'greatest(signup_at, TIMESTAMP {chr(39)}{EMAIL_START}{chr(39)})', end)} / 7",
    }
    remaining = events
    for i, (table, share) in enumerate(EVENT_SHARES.items()):
        total = remaining if i == len(EVENT_SHARES) - 1 else round(events * share)
        remaining -= total
        con.execute(counts_sql(table, weights[table], total))
    builders = {"orders": orders_sql, "sessions": sessions_sql, "tickets": tickets_sql, "email_events": email_sql}
    written: dict[str, int] = {}
    for table, build in builders.items():
        started = time.perf_counter()
        con.execute(build(out / f"{table}.parquet"))
        written[table] = con.execute(f"SELECT count(*) FROM read_parquet('{out / table}.parquet')").fetchone()[0]
        if log:
            print(f"  {table}: {written[table]:,} rows in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    # the shop's tables, from the orders and a browsing stream of their own (the tables above never change)
    shop_start = f"greatest(signup_at, TIMESTAMP '{SHOP_START}')"
    con.execute(counts_sql("browsing", f"({BROWSE_RATE}) * {days(shop_start, end)} / 365", round(events * BROWSE_SHARE)))
    started = time.perf_counter()
    con.execute(items_sql(out / "orders.parquet"))
    con.execute(browsing_sql())
    shop = {"order_items": order_items_sql, "product_views": product_views_sql, "cart_adds": cart_adds_sql,
            "reviews": reviews_sql}
    for table, build in shop.items():
        con.execute(build(out / f"{table}.parquet"))
        written[table] = con.execute(f"SELECT count(*) FROM read_parquet('{out / table}.parquet')").fetchone()[0]
    if log:
        print("  shop: " + ", ".join(f"{t} {written[t]:,}" for t in shop) + f" rows in "
              f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    con.execute("DROP TABLE items")
    con.execute("DROP TABLE browsing")
    con.execute(customers_sql(out / "orders.parquet", out / "customers.parquet"))
    con.execute(addresses_sql(out / "addresses.parquet"))
    for table in ("customers", "addresses"):
        written[table] = con.execute(f"SELECT count(*) FROM read_parquet('{out / table}.parquet')").fetchone()[0]
    con.close()
    return written


def attach(con: object, data: Path) -> None:
    """Make the Parquet files of `data` readable under the schema's table names (crm.customers, …) as views."""
    for stem, name in TABLES.items():
        schema = name.split(".")[0]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")  # type: ignore[attr-defined]
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{data / stem}.parquet')")  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT / "10M", help="folder for the Parquet files")
    parser.add_argument("--customers", type=parse_count, default=1_000_000, help="customers (default 1M)")
    parser.add_argument("--events", type=parse_count, default=10_000_000,
                        help="event rows over the four base event tables (default 10M; 100M for the big run); "
                             "the shop's tables add about 1.1 rows for each")
    parser.add_argument("--seed", type=int, default=20260630)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 16GB")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out, args.customers, args.events, args.seed, args.memory_limit)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f}s: "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
