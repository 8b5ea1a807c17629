SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.`group` = 7
