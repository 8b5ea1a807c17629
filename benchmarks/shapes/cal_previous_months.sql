-- 3+ orders dated 2026-03-01 .. 2026-05-31.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2026-03-01' AND ordered_at < TIMESTAMP '2026-06-01'
  GROUP BY customer_id
  HAVING count(*) >= 3
) AS o USING (customer_id)
