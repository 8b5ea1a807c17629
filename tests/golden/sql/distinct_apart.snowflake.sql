SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(DISTINCT orders.channel) AS orders_1,
    COUNT(DISTINCT CAST(orders.ordered_at AS DATE)) AS orders_2,
    SUM(orders.amount) AS orders_3
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) >= 2
  AND COALESCE(orders.orders_2, 0) >= 2
  AND COALESCE(orders.orders_3, 0) >= 10
