-- Signed up before 2024-06-30 and no order dated 2025-07-01 .. 2026-06-30: the recent buyers once, anti-joined.
SELECT c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT DISTINCT customer_id FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
) AS o USING (customer_id)
WHERE c.signup_at < TIMESTAMP '2024-06-30' AND o.customer_id IS NULL
