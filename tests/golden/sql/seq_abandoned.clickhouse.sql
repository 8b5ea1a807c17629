SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    step_1.customer_id AS customer_id
  FROM shop.cart_adds AS step_1
  WHERE
    step_1.added_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
    AND step_1.added_at <= toDateTime64('2024-06-29 23:59:59.999999', 6, 'UTC')
    AND NOT EXISTS(
      SELECT
        1
      FROM sales.orders AS step_2
      WHERE
        step_2.customer_id = step_1.customer_id
        AND step_2.ordered_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
        AND step_2.ordered_at >= step_1.added_at
        AND step_2.ordered_at <= addDays(toTimeZone(step_1.added_at, 'UTC'), 1)
    )
  GROUP BY
    step_1.customer_id
) AS sequence_1
  ON sequence_1.customer_id = c.customer_id
WHERE
  NOT (
    sequence_1.customer_id IS NULL
  )
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
