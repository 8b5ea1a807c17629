SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  (
    c.country = 'US' OR c.lifetime_value > 250
  ) AND c.email_opt_in
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
