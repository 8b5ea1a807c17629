-- The first order is before 2022-01-01 and the last (to 2026-06-30) before 2025-01-01: one grouped pass.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING min(ordered_at) < TIMESTAMP '2022-01-01' AND max(ordered_at) < TIMESTAMP '2025-01-01'
) AS o USING (customer_id)
