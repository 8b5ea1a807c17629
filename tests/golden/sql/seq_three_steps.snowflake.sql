SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    step_1.customer_id AS customer_id
  FROM shop.cart_adds AS step_1
  INNER JOIN sales.orders AS step_2
    ON step_2.customer_id = step_1.customer_id
  INNER JOIN shop.reviews AS step_3
    ON step_3.customer_id = step_1.customer_id
  WHERE
    step_1.added_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
    AND step_2.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
    AND step_2.ordered_at >= step_1.added_at
    AND step_2.ordered_at <= DATEADD(DAY, 1, step_1.added_at)
    AND step_3.review_date <= CAST('2024-06-30' AS DATE)
    AND step_3.review_date >= CAST(step_2.ordered_at AS DATE)
    AND step_3.review_date <= DATEADD(DAY, 1, CAST(step_2.ordered_at AS DATE))
  GROUP BY
    step_1.customer_id
) AS sequence_1
  ON sequence_1.customer_id = c.customer_id
WHERE
  NOT sequence_1.customer_id IS NULL
