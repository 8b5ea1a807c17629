SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  ROUND(CAST(c.score AS DOUBLE) / NULLIF(4, 0), 1) = 2.6
