SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  NOT c.country IS NULL AND NOT c.country IN ('US', 'CA')
