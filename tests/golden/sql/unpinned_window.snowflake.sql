SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    TRUE AS orders_1
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
  orders.orders_1
