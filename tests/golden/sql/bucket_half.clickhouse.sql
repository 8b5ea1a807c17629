SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  CAST(CAST('x' || SUBSTRING(LOWER(HEX(MD5('spring:' || CAST(c.customer_id AS Nullable(String))))), 1, 8) AS Nullable(BIT(32))) AS Nullable(Int64)) % 10000 < 5000
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
