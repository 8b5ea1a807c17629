-- The device of the latest session that has one (ties: the largest device) is 'tablet'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT DISTINCT ON (customer_id) customer_id, device
  FROM web.sessions
  WHERE started_at < TIMESTAMP '2026-07-01' AND device IS NOT NULL
  ORDER BY customer_id, started_at DESC, device DESC
) AS w USING (customer_id)
WHERE w.device = 'tablet'
