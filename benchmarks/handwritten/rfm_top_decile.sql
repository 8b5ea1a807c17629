-- Top 10% by spend this year, top half by visits in the last 30 days, bottom half by tickets in two years;
-- every customer has each value (0 without events), so all rank among all customers.
WITH o AS (
  SELECT customer_id, sum(amount) AS spend
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
),
w AS (
  SELECT customer_id, count(*) AS sessions
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
),
t AS (
  SELECT customer_id, count(*) AS tickets
  FROM support.tickets
  WHERE opened_at >= TIMESTAMP '2024-07-01' AND opened_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
),
ranked AS (
  SELECT c.customer_id,
    rank() OVER (ORDER BY coalesce(o.spend, 0)) AS r_spend,
    rank() OVER (ORDER BY coalesce(w.sessions, 0)) AS r_sessions,
    rank() OVER (ORDER BY coalesce(t.tickets, 0)) AS r_tickets,
    count(*) OVER () AS n
  FROM crm.customers AS c
  LEFT JOIN o USING (customer_id)
  LEFT JOIN w USING (customer_id)
  LEFT JOIN t USING (customer_id)
)
SELECT customer_id
FROM ranked
WHERE (r_spend - 1) * 100 >= 90 * (n - 1)
  AND (r_sessions - 1) * 100 >= 50 * (n - 1)
  AND (r_tickets - 1) * 100 < 50 * (n - 1)
