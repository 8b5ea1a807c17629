SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  toFloat64(c."group") / nullIf(toFloat64(2), 0) = 3.5
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
