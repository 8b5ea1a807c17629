SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.amount) AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  NOT COALESCE(orders.orders_1 > toFloat64(c.lifetime_value) / nullIf(toFloat64(10), 0), FALSE)
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
