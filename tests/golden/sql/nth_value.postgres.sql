SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    orders.orders_1 AS orders_1
  FROM (
    SELECT
      orders.customer_id AS customer_id,
      orders.channel AS orders_1,
      ROW_NUMBER() OVER (
        PARTITION BY orders.customer_id
        ORDER BY orders.ordered_at ASC, orders.channel ASC
      ) AS orders_1_n
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
      AND NOT orders.channel IS NULL
  ) AS orders
  WHERE
    orders.orders_1_n = 2
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 = 'web'
