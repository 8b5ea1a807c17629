SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(*) AS orders_1
  FROM (
    SELECT
      orders.customer_id AS customer_id
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
      AND NOT CAST(orders.ordered_at AS DATE) IS NULL
    GROUP BY
      orders.customer_id,
      CAST(orders.ordered_at AS DATE)
  ) AS orders
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) >= 3
