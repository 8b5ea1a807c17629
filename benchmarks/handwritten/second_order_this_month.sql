-- The second paid order (to 2026-06-30, ties counted one by one) is on or after 2026-06-01: two or more paid
-- orders, at most one of them before June.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 2 AND count(*) FILTER (WHERE ordered_at < TIMESTAMP '2026-06-01') <= 1
) AS o USING (customer_id)
