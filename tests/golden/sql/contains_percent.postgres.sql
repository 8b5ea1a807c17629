SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  LOWER(c.name) LIKE LOWER(E'%50\\%%') ESCAPE E'\\'
