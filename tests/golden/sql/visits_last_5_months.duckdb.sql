SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.customer_id IN (
    SELECT
      visits_1.customer_id
    FROM web.visits AS visits_1
    WHERE
      visits_1.visit_date >= CAST('2024-01-31' AS DATE)
      AND visits_1.visit_date <= CAST('2024-06-30' AS DATE)
  )
