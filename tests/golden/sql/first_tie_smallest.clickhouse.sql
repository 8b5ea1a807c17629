SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MIN(CASE WHEN orders.orders_time = orders.orders_1_at THEN orders.orders_1_value END) AS orders_1
  FROM (
    SELECT
      orders.customer_id AS customer_id,
      orders.ordered_at AS orders_time,
      orders.channel AS orders_1_value,
      MIN(orders.ordered_at) OVER (PARTITION BY orders.customer_id) AS orders_1_at
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
      AND NOT (
        orders.channel IS NULL
      )
  ) AS orders
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 = 'app'
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
