-- Signed up before 2024-06-30, not bronze (a missing tier counts), a paid order since 2026-01-01.
SELECT customer_id
FROM crm.customers
WHERE signup_at < TIMESTAMP '2024-06-30'
  AND loyalty_tier IS DISTINCT FROM 'bronze'
  AND customer_id IN (
    SELECT customer_id FROM sales.orders
    WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2026-01-01' AND ordered_at < TIMESTAMP '2026-07-01'
  )
