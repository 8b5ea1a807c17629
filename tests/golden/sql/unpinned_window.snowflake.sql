SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(
      CASE
        WHEN orders.ordered_at >= CONVERT_TIMEZONE(
          'America/New_York',
          'UTC',
          CAST(DATEADD(DAY, -36499, CAST(CONVERT_TIMEZONE('America/New_York', CURRENT_TIMESTAMP()) AS DATE)) AS TIMESTAMPNTZ)
        )
        THEN 1
      END
    ) AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CONVERT_TIMEZONE(
      'America/New_York',
      'UTC',
      CAST(DATEADD(DAY, -36499, CAST(CONVERT_TIMEZONE('America/New_York', CURRENT_TIMESTAMP()) AS DATE)) AS TIMESTAMPNTZ)
    )
    AND orders.ordered_at < CONVERT_TIMEZONE(
      'America/New_York',
      'UTC',
      CAST(DATEADD(DAY, 1, CAST(CONVERT_TIMEZONE('America/New_York', CURRENT_TIMESTAMP()) AS DATE)) AS TIMESTAMPNTZ)
    )
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) > 0
