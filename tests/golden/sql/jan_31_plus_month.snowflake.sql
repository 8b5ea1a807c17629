SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  DATEADD(MONTH, 1, c.birth_date) = CAST('1980-02-29' AS DATE)
