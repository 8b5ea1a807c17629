SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CAST(c.signup_at AS DATE) - CAST(EXTRACT(DAYOFWEEK_ISO FROM CAST(c.signup_at AS DATE)) - 1 AS INT) = CAST('2024-06-24' AS DATE)
