-- Sessions on 3+ distinct days of 2026-06-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT CAST(started_at AS DATE)) >= 3
) AS w USING (customer_id)
