-- Sessions from 3+ different (known) sources dated 2026-04-02 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-04-02' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT source) >= 3
) AS w USING (customer_id)
