-- A cart addition priced over 200 in 2026-06-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM shop.cart_adds
  WHERE added_at >= TIMESTAMP '2026-06-01' AND added_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING max(price) > 200
) AS a USING (customer_id)
