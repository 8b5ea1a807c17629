-- No country, birth date or address; an e-mail; signed up before 2026-04-01.
SELECT customer_id
FROM crm.customers
WHERE (country IS NULL OR birth_date IS NULL OR address_id IS NULL)
  AND email IS NOT NULL
  AND signup_at < TIMESTAMP '2026-04-01'
