SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  lowerUTF8(c.name) LIKE lowerUTF8('%50\\%%')
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
