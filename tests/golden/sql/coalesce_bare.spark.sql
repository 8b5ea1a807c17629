SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.lifetime_value >= 200
