SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.birth_date BETWEEN CAST('1980-01-29' AS DATE) AND CAST('1980-01-31' AS DATE)
