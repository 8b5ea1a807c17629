-- 2+ sessions dated 2026-06-24 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-06-24' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 2
) AS w USING (customer_id)
