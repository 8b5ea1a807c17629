SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    visits.customer_id AS customer_id,
    TRUE AS visits_1
  FROM web.visits AS visits
  WHERE
    visits.visit_date >= CAST('2024-01-31' AS DATE)
    AND visits.visit_date <= CAST('2024-06-30' AS DATE)
  GROUP BY
    visits.customer_id
) AS visits
  ON visits.customer_id = c.customer_id
WHERE
  visits.visits_1
