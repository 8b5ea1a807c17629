SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  c.birth_date BETWEEN toDate32('1980-01-29') AND toDate32('1980-01-31')
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
