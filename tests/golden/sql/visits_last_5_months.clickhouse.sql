SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    visits.customer_id AS customer_id,
    TRUE AS visits_1
  FROM web.visits AS visits
  WHERE
    visits.visit_date >= toDate32('2024-01-31')
    AND visits.visit_date <= toDate32('2024-06-30')
  GROUP BY
    visits.customer_id
) AS visits
  ON visits.customer_id = c.customer_id
WHERE
  visits.visits_1
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
