SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    COUNT(*) AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at >= CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) - 36499 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
    AND orders.ordered_at < CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) > 0
