-- A 3+ page visit in the last 14 days, 2+ visits in the last 30, no paid order in the last 60 days.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 2 AND count(*) FILTER (WHERE pages >= 3 AND started_at >= TIMESTAMP '2026-06-17') > 0
) AS w USING (customer_id)
WHERE NOT EXISTS (SELECT 1 FROM sales.orders AS o
                  WHERE o.customer_id = c.customer_id AND o.status = 'paid'
                    AND o.ordered_at >= TIMESTAMP '2026-05-02' AND o.ordered_at < TIMESTAMP '2026-07-01')
