SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    orders_mode_1.customer_id AS customer_id,
    orders_mode_1.orders_value AS mode
  FROM (
    SELECT
      orders_mode_1.customer_id AS customer_id,
      orders_mode_1.channel AS orders_value,
      ROW_NUMBER() OVER (
        PARTITION BY orders_mode_1.customer_id
        ORDER BY COUNT(*) DESC, orders_mode_1.channel ASC
      ) AS orders_rank
    FROM sales.orders AS orders_mode_1
    WHERE
      orders_mode_1.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
      AND NOT orders_mode_1.channel IS NULL
    GROUP BY
      orders_mode_1.customer_id,
      orders_mode_1.channel
  ) AS orders_mode_1
  WHERE
    orders_mode_1.orders_rank = 1
) AS orders_mode_1
  ON orders_mode_1.customer_id = c.customer_id
WHERE
  orders_mode_1.mode = 'store'
