-- 2+ orders dated 2025-11-24 .. 2025-12-31 (both days included).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-11-24' AND ordered_at < TIMESTAMP '2026-01-01'
  GROUP BY customer_id
  HAVING count(*) >= 2
) AS o USING (customer_id)
