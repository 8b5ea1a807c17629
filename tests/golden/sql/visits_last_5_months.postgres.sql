SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  EXISTS(
    SELECT
      1
    FROM web.visits AS visits_1
    WHERE
      visits_1.customer_id = c.customer_id
      AND visits_1.visit_date >= CAST('2024-01-31' AS DATE)
      AND visits_1.visit_date <= CAST('2024-06-30' AS DATE)
  )
