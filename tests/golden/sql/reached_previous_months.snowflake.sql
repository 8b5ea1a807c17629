SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    TRUE AS orders_1,
    MAX(orders.ordered_at) >= CAST('2024-06-01 00:00:00' AS TIMESTAMPNTZ) AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CAST('2024-04-01 00:00:00' AS TIMESTAMPNTZ)
    AND orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 AND NOT COALESCE(orders.orders_2, FALSE)
