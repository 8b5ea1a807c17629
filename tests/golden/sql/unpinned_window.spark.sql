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
      CAST(DATE_ADD(CAST(CONVERT_TIMEZONE('America/New_York', CURRENT_TIMESTAMP()) AS DATE), -36499) AS TIMESTAMP_NTZ)
    )
    AND orders.ordered_at < CONVERT_TIMEZONE(
      'America/New_York',
      'UTC',
      CAST(DATE_ADD(CAST(CONVERT_TIMEZONE('America/New_York', CURRENT_TIMESTAMP()) AS DATE), 1) AS TIMESTAMP_NTZ)
    )
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1
