SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  NOT COALESCE(
    c.customer_id IN (
      SELECT
        orders_1.customer_id
      FROM sales.orders AS orders_1
      INNER JOIN crm.customers AS c
        ON c.customer_id = orders_1.customer_id
      WHERE
        orders_1.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
        AND orders_1.amount > CAST(c.lifetime_value AS DOUBLE PRECISION) / NULLIF(10, 0)
    ),
    FALSE
  )
