SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    visits.customer_id AS customer_id,
    COUNT(*) AS visits_1
  FROM (
    SELECT
      visits.customer_id AS customer_id
    FROM web.visits AS visits
    WHERE
      visits.visit_date <= CAST('2024-06-30' AS DATE)
      AND NOT visits.visit_date - CAST(EXTRACT(ISODOW FROM visits.visit_date) - 1 AS INT) IS NULL
    GROUP BY
      visits.customer_id,
      visits.visit_date - CAST(EXTRACT(ISODOW FROM visits.visit_date) - 1 AS INT)
  ) AS visits
  GROUP BY
    visits.customer_id
) AS visits
  ON visits.customer_id = c.customer_id
WHERE
  COALESCE(visits.visits_1, 0) = 2
