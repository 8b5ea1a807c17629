-- Signed up before 2024-06-30 and no order dated 2025-07-01 .. 2026-06-30: an anti-join on the recent buyers.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.signup_at < TIMESTAMP '2024-06-30'
  AND c.customer_id NOT IN (SELECT customer_id FROM sales.orders
                            WHERE customer_id IS NOT NULL
                              AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01')
