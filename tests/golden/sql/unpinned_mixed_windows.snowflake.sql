SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MAX(orders.ordered_at) >= CAST(DATEADD(
      DAY,
      1,
      DATEADD(MONTH, -1200, CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE))
    ) AS TIMESTAMPNTZ) AS orders_1,
    MAX(orders.ordered_at) >= CAST('2024-06-01 00:00:00' AS TIMESTAMPNTZ) AS orders_2
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CAST(LEAST(
      CAST('2024-06-01' AS DATE),
      DATEADD(
        DAY,
        1,
        DATEADD(MONTH, -1200, CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE))
      )
    ) AS TIMESTAMPNTZ)
    AND orders.ordered_at < CAST(DATEADD(DAY, 1, CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE)) AS TIMESTAMPNTZ)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 OR orders.orders_2
