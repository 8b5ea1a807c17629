-- The device of the latest session that has one (ties: the largest device) is 'tablet'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at < TIMESTAMP '2026-07-01' AND device IS NOT NULL
  GROUP BY customer_id
  HAVING arg_max(device, (started_at, device)) = 'tablet'
) AS w USING (customer_id)
