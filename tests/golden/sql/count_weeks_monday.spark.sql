SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    visits.customer_id AS customer_id,
    COUNT(
      DISTINCT visits.visit_date - CAST(EXTRACT(DAYOFWEEK_ISO FROM visits.visit_date) - 1 AS INT)
    ) AS visits_1
  FROM web.visits AS visits
  WHERE
    visits.visit_date <= CAST('2024-06-30' AS DATE)
  GROUP BY
    visits.customer_id
) AS visits
  ON visits.customer_id = c.customer_id
WHERE
  COALESCE(visits.visits_1, 0) = 2
