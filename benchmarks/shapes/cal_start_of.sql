-- Signed up 2025-04-01 .. 2025-06-30.
SELECT customer_id
FROM crm.customers
WHERE signup_at >= TIMESTAMP '2025-04-01' AND signup_at < TIMESTAMP '2025-07-01'
