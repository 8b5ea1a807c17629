SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.amount) AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 > CAST(c.lifetime_value AS DOUBLE) / NULLIF(10, 0)
