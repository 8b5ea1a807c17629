-- Opted in, and the first 8 hex digits of md5('spring_promo_2026:' || key), modulo 10000, below 1000.
SELECT customer_id
FROM crm.customers
WHERE email_opt_in
  AND CAST('0x' || substr(md5('spring_promo_2026:' || CAST(customer_id AS VARCHAR)), 1, 8) AS BIGINT) % 10000 < 1000
