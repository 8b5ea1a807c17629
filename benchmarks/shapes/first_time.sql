-- The earliest paid order (to 2026-06-30) is on or after 2026-01-01.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING min(ordered_at) >= TIMESTAMP '2026-01-01'
) AS o USING (customer_id)
