-- The first and last session device differ (true, by two-valued logic, when there is none), the last order
-- with a channel was in the app, and the first paid order was before 2025.
WITH o AS (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING arg_max(channel, (ordered_at, channel)) FILTER (WHERE channel IS NOT NULL) = 'app'
     AND min(ordered_at) FILTER (WHERE status = 'paid') < TIMESTAMP '2025-01-01'
),
w AS (
  SELECT customer_id,
    arg_min(device, (started_at, device)) AS first_device,
    arg_max(device, (started_at, device)) AS last_device
  FROM web.sessions
  WHERE started_at < TIMESTAMP '2026-07-01' AND device IS NOT NULL
  GROUP BY customer_id
)
SELECT c.customer_id
FROM crm.customers AS c
JOIN o USING (customer_id)
LEFT JOIN w USING (customer_id)
WHERE NOT coalesce(w.first_device = w.last_device, false)
