SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.customer_id IN (
    SELECT
      orders_1.customer_id
    FROM sales.orders AS orders_1
    WHERE
      orders_1.ordered_at >= CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) - 36499 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
      AND orders_1.ordered_at < CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
  )
