-- Orders dated 2025-07-01 .. 2026-06-30 in 6+ distinct calendar months.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT date_trunc('month', ordered_at)) >= 6
) AS o USING (customer_id)
