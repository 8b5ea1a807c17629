SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  EXISTS(
    SELECT
      1
    FROM sales.orders AS orders_1
    WHERE
      orders_1.customer_id = c.customer_id
      AND orders_1.ordered_at >= CAST('2024-06-01 00:00:00' AS TIMESTAMP)
      AND orders_1.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
  )
