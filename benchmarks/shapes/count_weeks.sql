-- Orders dated 2025-12-31 .. 2026-06-30 in 4+ distinct weeks (starting on Monday).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-12-31' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT date_trunc('week', ordered_at)) >= 4
) AS o USING (customer_id)
