SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    step_1.customer_id AS customer_id
  FROM web.visits AS step_1
  WHERE
    step_1.visit_date <= CAST('2024-06-30' AS DATE)
    AND step_1.visit_date <= CAST('2024-06-28' AS DATE)
    AND NOT EXISTS(
      SELECT
        1
      FROM sales.orders AS step_2
      WHERE
        step_2.customer_id = step_1.customer_id
        AND step_2.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
        AND CAST(step_2.ordered_at AS DATE) >= step_1.visit_date
        AND CAST(step_2.ordered_at AS DATE) <= DATEADD(DAY, 2, step_1.visit_date)
    )
  GROUP BY
    step_1.customer_id
) AS sequence_1
  ON sequence_1.customer_id = c.customer_id
WHERE
  NOT sequence_1.customer_id IS NULL
