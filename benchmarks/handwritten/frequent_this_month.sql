-- Paid orders on 3+ different days of 2026-06-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2026-06-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT CAST(ordered_at AS DATE)) >= 3
) AS o USING (customer_id)
