SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(CAST('x' || SUBSTRING(MD5('spring:' || CAST(c.customer_id AS STRING)), 1, 8) AS BOOLEAN(32)) AS BIGINT) % 10000 < 5000
