SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(c."group" AS DOUBLE PRECISION) / NULLIF(2, 0) = 3.5
