SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.birth_date <= CAST('1990-06-30' AS DATE)
