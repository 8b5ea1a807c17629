SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST('0x' || SUBSTRING(MD5('spring:' || CAST(c.customer_id AS TEXT)), 1, 8) AS BIGINT) % 10000 < 5000
