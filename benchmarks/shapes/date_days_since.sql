-- Signed up on or after 2026-04-01 (days_since is negative for sign-ups after the as-of date).
SELECT customer_id
FROM crm.customers
WHERE signup_at >= TIMESTAMP '2026-04-01'
