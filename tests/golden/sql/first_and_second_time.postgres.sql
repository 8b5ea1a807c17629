SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MIN(orders.ordered_at) AS orders_1,
    (
      ARRAY_AGG(orders.ordered_at ORDER BY orders.ordered_at ASC)
    )[2] AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
    AND orders.status = 'paid'
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  CAST(orders.orders_2 AS DATE) - CAST(orders.orders_1 AS DATE) <= 30
