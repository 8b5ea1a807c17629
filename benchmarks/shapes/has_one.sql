-- An app order dated 2026-06-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT customer_id
  FROM sales.orders
  WHERE channel = 'app' AND ordered_at >= TIMESTAMP '2026-06-01' AND ordered_at < TIMESTAMP '2026-07-01'
)
