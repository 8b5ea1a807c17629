SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    orders_mode_1.customer_id AS customer_id,
    MODE() WITHIN GROUP (ORDER BY
      orders_mode_1.channel ASC) AS mode
  FROM sales.orders AS orders_mode_1
  WHERE
    orders_mode_1.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
    AND NOT orders_mode_1.channel IS NULL
  GROUP BY
    orders_mode_1.customer_id
) AS orders_mode_1
  ON orders_mode_1.customer_id = c.customer_id
WHERE
  orders_mode_1.mode = 'store'
