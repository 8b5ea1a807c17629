SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  ROUND(CAST(CAST(c.score AS DOUBLE PRECISION) / NULLIF(4, 0) AS DECIMAL), 1) = 2.6
