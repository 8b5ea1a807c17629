-- The first order with a channel was in a store (ties: the smallest channel), the last session with a device
-- was on mobile (ties: the largest device), and 2+ channels used in the last two years.
WITH o AS (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING arg_min(channel, (ordered_at, channel)) FILTER (WHERE channel IS NOT NULL) = 'store'
     AND count(DISTINCT channel) FILTER (WHERE ordered_at >= TIMESTAMP '2024-07-01') >= 2
),
w AS (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at < TIMESTAMP '2026-07-01' AND device IS NOT NULL
  GROUP BY customer_id
  HAVING arg_max(device, (started_at, device)) = 'mobile'
)
SELECT c.customer_id
FROM crm.customers AS c
JOIN o USING (customer_id)
JOIN w USING (customer_id)
