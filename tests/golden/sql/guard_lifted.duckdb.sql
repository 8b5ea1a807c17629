SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.country = 'US'
  AND c.customer_id IN (
    SELECT
      orders_1.customer_id
    FROM sales.orders AS orders_1
    WHERE
      orders_1.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
  )
