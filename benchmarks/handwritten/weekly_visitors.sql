-- Sessions in 3+ different weeks (from Monday) of the four whole weeks before this one: 2026-06-01 .. 2026-06-28.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-06-29'
  GROUP BY customer_id
  HAVING count(DISTINCT date_trunc('week', started_at)) >= 3
) AS w USING (customer_id)
