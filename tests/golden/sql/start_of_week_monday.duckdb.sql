SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(c.signup_at AS DATE) BETWEEN CAST('2024-06-24' AS DATE) AND CAST('2024-06-30' AS DATE)
