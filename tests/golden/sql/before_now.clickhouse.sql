SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  c.signup_at <= toDateTime64('2024-06-30 23:59:59.999999', 6, 'UTC')
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
