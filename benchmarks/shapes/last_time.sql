-- The latest order (to 2026-06-30) is dated 2025-06-29 or earlier.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING max(ordered_at) < TIMESTAMP '2025-06-30'
) AS o USING (customer_id)
