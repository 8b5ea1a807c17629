SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(CAST('x' || SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)) FROM 1 FOR 8) AS BIT(32)) AS BIGINT) % 10000 < 5000
