SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.signup_at <= CAST('2024-06-30 23:59:59.999999' AS TIMESTAMP_NTZ)
