SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  NOT (
    c.country IS NULL
  ) AND NOT (
    c.country IN ('US', 'CA')
  )
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
