SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(
      CASE WHEN orders.ordered_at < CAST('2024-05-01 00:00:00' AS TIMESTAMP) THEN 1 END
    ) AS orders_1,
    COUNT(
      CASE WHEN orders.ordered_at < CAST('2024-06-01 00:00:00' AS TIMESTAMP) THEN 1 END
    ) AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) < 3 AND COALESCE(orders.orders_2, 0) >= 3
