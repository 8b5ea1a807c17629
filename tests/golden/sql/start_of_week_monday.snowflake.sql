SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  DATEADD(DAY, -(
    DAYOFWEEKISO(CAST(c.signup_at AS DATE)) - 1
  ), CAST(c.signup_at AS DATE)) = CAST('2024-06-24' AS DATE)
