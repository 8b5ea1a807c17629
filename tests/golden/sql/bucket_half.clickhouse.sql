SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  reinterpretAsUInt32(reverse(substring(MD5('spring:' || toString(c.customer_id)), 1, 4))) % 10000 < 5000
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
