SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.amount) AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  NOT COALESCE(orders.orders_1 > CAST(c.lifetime_value AS DOUBLE) / NULLIF(10, 0), FALSE)
