SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    step_1.customer_id AS customer_id
  FROM shop.cart_adds AS step_1
  INNER JOIN shop.reviews AS step_2
    ON step_2.customer_id = step_1.customer_id
  WHERE
    step_1.added_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
    AND step_2.review_date <= toDate32('2024-06-30')
    AND step_2.review_date >= toDate32(step_1.added_at, 'UTC')
    AND step_2.review_date <= addDays(toDate32(step_1.added_at, 'UTC'), 2)
    AND step_2.product_id = step_1.product_id
  GROUP BY
    step_1.customer_id
) AS sequence_1
  ON sequence_1.customer_id = c.customer_id
WHERE
  NOT (
    sequence_1.customer_id IS NULL
  )
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
