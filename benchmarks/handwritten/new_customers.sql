-- Signed up in the 30 days up to the end of 2026-06-30, with an e-mail, not a test account.
SELECT customer_id
FROM crm.customers
WHERE signup_at >= TIMESTAMP '2026-06-01' AND signup_at < TIMESTAMP '2026-07-01'
  AND email IS NOT NULL
  AND NOT (email ILIKE '%@example.com' OR email ILIKE '%+test%' OR email ILIKE 'qa.%'
           OR coalesce(lower(trim(first_name)) = 'test', false))
