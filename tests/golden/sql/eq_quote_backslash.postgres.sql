SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.name = E'O''Brien \\ back'
