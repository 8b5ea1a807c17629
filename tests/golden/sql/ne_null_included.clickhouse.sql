SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  NOT COALESCE(c.country = 'US', FALSE)
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
