SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    MIN(orders.orders_1_value) AS orders_1,
    MAX(
      CASE
        WHEN orders.orders_2_n = 2 AND NOT orders.orders_2_value IS NULL
        THEN orders.orders_2_value
      END
    ) AS orders_2
  FROM (
    SELECT
      orders.customer_id AS customer_id,
      orders.ordered_at AS orders_time,
      orders.ordered_at AS orders_1_value,
      orders.ordered_at AS orders_2_value,
      ROW_NUMBER() OVER (PARTITION BY orders.customer_id ORDER BY orders.ordered_at ASC NULLS LAST) AS orders_2_n
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP_NTZ)
      AND orders.status = 'paid'
  ) AS orders
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  DATEDIFF(CAST(orders.orders_2 AS DATE), CAST(orders.orders_1 AS DATE)) <= 30
