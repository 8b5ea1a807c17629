SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  toMonth(c.birth_date, 'UTC') = 6
  AND toDayOfMonth(c.birth_date, 'UTC') = 30
  OR toMonth(c.birth_date, 'UTC') = 7
  AND toDayOfMonth(c.birth_date, 'UTC') <= 6
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
