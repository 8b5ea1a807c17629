SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(c.`group` AS DOUBLE) / NULLIF(2, 0) = 3.5
