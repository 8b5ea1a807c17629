SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  toDate32(now64(6, 'UTC'), 'UTC') > toDate32('2024-01-01')
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
