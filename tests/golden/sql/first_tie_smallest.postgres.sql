SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT DISTINCT ON (orders.customer_id)
    orders.customer_id AS customer_id,
    orders.channel AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
    AND NOT orders.channel IS NULL
  ORDER BY
    orders.customer_id ASC,
    orders.ordered_at ASC,
    orders.channel ASC
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 = 'app'
