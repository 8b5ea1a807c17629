-- The percentile rank of paid spend 2025-07-01 .. 2026-06-30 (0 for no orders) among all customers is 90+:
-- 100 × (customers spending strictly less) / (customers − 1).
WITH spend AS (
  SELECT c.customer_id, coalesce(o.spend, 0) AS spend
  FROM crm.customers AS c
  LEFT JOIN (
    SELECT customer_id, sum(amount) AS spend
    FROM sales.orders
    WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
    GROUP BY customer_id
  ) AS o USING (customer_id)
),
ranked AS (
  SELECT customer_id, rank() OVER (ORDER BY spend) - 1 AS lower, count(*) OVER () AS n
  FROM spend
)
SELECT customer_id
FROM ranked
WHERE n > 1 AND 100 * lower >= 90 * (n - 1)
