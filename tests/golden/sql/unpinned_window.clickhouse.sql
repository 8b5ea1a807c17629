SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    TRUE AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= toDateTime64(
      addDays(toDate32(now64(6, 'UTC'), 'America/New_York'), -36499),
      6,
      'America/New_York'
    )
    AND orders.ordered_at < toDateTime64(addDays(toDate32(now64(6, 'UTC'), 'America/New_York'), 1), 6, 'America/New_York')
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
