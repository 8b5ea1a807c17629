SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.ordered_at) >= CAST(DATE_ADD(ADD_MONTHS(CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE), -1200), 1) AS TIMESTAMP_NTZ) AS orders_1,
    MAX(orders.ordered_at) >= CAST('2024-06-01 00:00:00' AS TIMESTAMP_NTZ) AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CAST(LEAST(
      CAST('2024-06-01' AS DATE),
      DATE_ADD(ADD_MONTHS(CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE), -1200), 1)
    ) AS TIMESTAMP_NTZ)
    AND orders.ordered_at < CAST(DATE_ADD(CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE), 1) AS TIMESTAMP_NTZ)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 OR orders.orders_2
