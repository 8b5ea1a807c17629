SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    visits.customer_id AS customer_id,
    COUNT(
      DISTINCT visits.visit_date - CAST(toDayOfWeek(visits.visit_date, 0, 'UTC') - 1 AS Nullable(Int32))
    ) AS visits_1
  FROM web.visits AS visits
  WHERE
    visits.visit_date <= toDate32('2024-06-30')
  GROUP BY
    visits.customer_id
) AS visits
  ON visits.customer_id = c.customer_id
WHERE
  COALESCE(visits.visits_1, 0) = 2
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
