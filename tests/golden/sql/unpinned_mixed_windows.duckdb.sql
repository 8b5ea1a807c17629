SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.ordered_at) >= CAST(CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS DATE) - INTERVAL '1200' MONTH AS DATE) + 1 AS TIMESTAMP) AS orders_1,
    MAX(orders.ordered_at) >= CAST('2024-06-01 00:00:00' AS TIMESTAMP) AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CAST(LEAST(
      CAST('2024-06-01' AS DATE),
      CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS DATE) - INTERVAL '1200' MONTH AS DATE) + 1
    ) AS TIMESTAMP)
    AND orders.ordered_at < CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS DATE) + 1 AS TIMESTAMP)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 OR orders.orders_2
