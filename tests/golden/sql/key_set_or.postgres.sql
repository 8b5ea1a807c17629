SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    c.customer_id
  FROM crm.customers AS c
  INNER JOIN (
    SELECT
      orders.customer_id AS customer_id,
      SUM(orders.amount) AS orders_1
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
      AND orders.status = 'paid'
    GROUP BY
      orders.customer_id
  ) AS orders
    ON orders.customer_id = c.customer_id
  WHERE
    COALESCE(orders.orders_1, 0) > 150
) AS big_spender
  ON big_spender.customer_id = c.customer_id
WHERE
  NOT big_spender.customer_id IS NULL OR c.country = 'US'
