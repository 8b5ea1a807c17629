-- The smallest paid order dated 2025-07-01 .. 2026-06-30 is 150 or more.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING min(amount) >= 150
) AS o USING (customer_id)
