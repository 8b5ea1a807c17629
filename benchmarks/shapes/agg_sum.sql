-- Electronics items worth over 300 (unit prices) ordered 2025-07-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.order_items
  WHERE category = 'electronics' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING sum(price) > 300
) AS i USING (customer_id)
