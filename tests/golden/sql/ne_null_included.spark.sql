SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  NOT COALESCE(c.country = 'US', FALSE)
