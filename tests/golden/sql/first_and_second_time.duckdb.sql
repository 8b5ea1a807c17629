SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    LIST_EXTRACT(MIN(orders.ordered_at, 2), 1) AS orders_1,
    LIST_EXTRACT(MIN(orders.ordered_at, 2), 2) AS orders_2
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
