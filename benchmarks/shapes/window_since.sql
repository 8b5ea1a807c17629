-- Orders (any status) dated 2026-01-01 .. 2026-06-30 worth over 500 in all.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2026-01-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING sum(amount) > 500
) AS o USING (customer_id)
