-- Top 20% of all customers by spend this year, by the date of the last paid order (among those with one),
-- and by paid orders this year; a rank is 100 * (customers strictly lower) / (customers with a value - 1).
WITH o AS (
  SELECT customer_id,
    sum(amount) FILTER (WHERE ordered_at >= TIMESTAMP '2025-07-01') AS spend,
    count(*) FILTER (WHERE ordered_at >= TIMESTAMP '2025-07-01') AS orders_365,
    CAST(max(ordered_at) AS DATE) AS last_day
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
),
ranked AS (
  SELECT c.customer_id,
    rank() OVER (ORDER BY coalesce(o.spend, 0)) AS r_spend,
    rank() OVER (ORDER BY coalesce(o.orders_365, 0)) AS r_orders,
    count(*) OVER () AS n,
    rank() OVER (ORDER BY o.last_day NULLS LAST) AS r_recent,  -- customers without one rank after all others
    count(o.last_day) OVER () AS n_recent,
    o.last_day
  FROM crm.customers AS c
  LEFT JOIN o USING (customer_id)
)
SELECT customer_id
FROM ranked
WHERE (r_spend - 1) * 100 >= 80 * (n - 1)
  AND (r_orders - 1) * 100 >= 80 * (n - 1)
  AND last_day IS NOT NULL AND (r_recent - 1) * 100 >= 80 * (n_recent - 1)
