SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    orders_all.customer_id AS customer_id,
    orders_distinct_1.orders_1 AS orders_1,
    orders_distinct_2.orders_2 AS orders_2,
    orders_all.orders_3 AS orders_3
  FROM (
    SELECT
      orders.customer_id AS customer_id,
      SUM(orders.amount) AS orders_3
    FROM sales.orders AS orders
    WHERE
      orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      orders.customer_id
  ) AS orders_all
  LEFT JOIN (
    SELECT
      orders.customer_id AS customer_id,
      COUNT(*) AS orders_1
    FROM (
      SELECT
        orders.customer_id AS customer_id
      FROM sales.orders AS orders
      WHERE
        orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
        AND NOT orders.channel IS NULL
      GROUP BY
        orders.customer_id,
        orders.channel
    ) AS orders
    GROUP BY
      orders.customer_id
  ) AS orders_distinct_1
    ON orders_distinct_1.customer_id = orders_all.customer_id
  LEFT JOIN (
    SELECT
      orders.customer_id AS customer_id,
      COUNT(*) AS orders_2
    FROM (
      SELECT
        orders.customer_id AS customer_id
      FROM sales.orders AS orders
      WHERE
        orders.ordered_at < CAST('2024-07-01 00:00:00' AS TIMESTAMP)
        AND NOT CAST(orders.ordered_at AS DATE) IS NULL
      GROUP BY
        orders.customer_id,
        CAST(orders.ordered_at AS DATE)
    ) AS orders
    GROUP BY
      orders.customer_id
  ) AS orders_distinct_2
    ON orders_distinct_2.customer_id = orders_all.customer_id
) AS orders
  ON orders.customer_id = c.customer_id
WHERE
  COALESCE(orders.orders_1, 0) >= 2
  AND COALESCE(orders.orders_2, 0) >= 2
  AND COALESCE(orders.orders_3, 0) >= 10
