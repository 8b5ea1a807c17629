SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders.customer_id AS customer_id,
    (
      LIST_EXTRACT(
        QUANTILE_DISC(orders.amount, [CAST(0.5 AS DOUBLE), CAST(0.500000000001 AS DOUBLE)]),
        1
      ) + LIST_EXTRACT(
        QUANTILE_DISC(orders.amount, [CAST(0.5 AS DOUBLE), CAST(0.500000000001 AS DOUBLE)]),
        2
      )
    ) * 0.5 AS orders_1
  FROM sales.orders AS orders
  WHERE
    orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    orders.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  orders.orders_1 = 25
