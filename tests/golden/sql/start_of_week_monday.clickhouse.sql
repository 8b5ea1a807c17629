SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  toDate32(c.signup_at, 'UTC') BETWEEN toDate32('2024-06-24') AND toDate32('2024-06-30')
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
