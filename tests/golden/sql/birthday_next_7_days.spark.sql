SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  MONTH(c.birth_date) = 6
  AND EXTRACT(DAY FROM c.birth_date) = 30
  OR MONTH(c.birth_date) = 7
  AND EXTRACT(DAY FROM c.birth_date) <= 6
