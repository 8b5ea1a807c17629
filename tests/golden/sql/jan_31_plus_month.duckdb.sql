SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(c.birth_date + INTERVAL '1' MONTH AS DATE) = CAST('1980-02-29' AS DATE)
