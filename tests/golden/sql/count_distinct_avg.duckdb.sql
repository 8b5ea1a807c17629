SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(NULLIF(orders.orders_1, 0)) AS orders_1,
    CAST(SUM(orders.orders_2_sum) AS DOUBLE) / NULLIF(SUM(orders.orders_2_count), 0) AS orders_2
  FROM (
    SELECT
      orders.customer_id AS customer_id,
      COUNT(orders.channel) AS orders_1,
      SUM(orders.amount) AS orders_2_sum,
      COUNT(orders.amount) AS orders_2_count
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      orders.customer_id,
      orders.channel
  ) AS orders
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) >= 2 AND orders.orders_2 < 100
