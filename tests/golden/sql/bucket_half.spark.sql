SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(CONV(SUBSTRING(MD5('spring:' || CAST(c.customer_id AS STRING)), 1, 8), 16, 10) AS BIGINT) % 10000 < 5000
