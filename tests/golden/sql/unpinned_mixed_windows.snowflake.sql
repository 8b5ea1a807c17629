SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(
      CASE
        WHEN orders.ordered_at >= CAST(DATEADD(
          DAY,
          1,
          DATEADD(MONTH, -1200, CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS DATE))
        ) AS TIMESTAMPNTZ)
        THEN 1
      END
    ) AS orders_1,
    COUNT(
      CASE
        WHEN orders.ordered_at >= CAST('2024-06-01 00:00:00' AS TIMESTAMPNTZ)
        THEN 1
      END
    ) AS orders_2
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
  COALESCE(orders.orders_1, 0) > 0 OR COALESCE(orders.orders_2, 0) > 0
