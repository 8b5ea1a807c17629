SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    NOT (
      MIN(CASE WHEN orders.status = 'paid' THEN orders.ordered_at END) IS NULL
    ) AS orders_1,
    MIN(CASE WHEN orders.status = 'paid' THEN orders.ordered_at END) < toDateTime64('2024-06-01 00:00:00', 6, 'UTC') AS orders_2,
    MAX(orders.ordered_at) >= toDateTime64('2024-07-01 00:00:00', 6, 'UTC') AS orders_3
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < toDateTime64('2024-07-01 00:00:00', 6, 'UTC')
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1
  AND NOT COALESCE(orders.orders_2, FALSE)
  AND NOT COALESCE(orders.orders_3, FALSE)
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
