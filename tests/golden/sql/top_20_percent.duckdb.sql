SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  WITH ranked AS MATERIALIZED (
    SELECT
      c.customer_id,
      c.lifetime_value AS value_1
    FROM crm.customers AS c
    WHERE
      NOT c.lifetime_value IS NULL
  )
  SELECT
    ranked.customer_id,
    rank_1.percentile AS percentile_1
  FROM ranked
  LEFT JOIN (
    SELECT
      counted.value,
      COALESCE(
        CAST((
          SUM(counted.customers) OVER (ORDER BY counted.value ASC) - counted.customers
        ) * 100 AS DOUBLE) / NULLIF(SUM(counted.customers) OVER () - 1, 0),
        0
      ) AS percentile
    FROM (
      SELECT
        ranked.value_1 AS value,
        COUNT(*) AS customers
      FROM ranked
      WHERE
        NOT ranked.value_1 IS NULL
      GROUP BY
        ranked.value_1
    ) AS counted
  ) AS rank_1
    ON rank_1.value = ranked.value_1
) AS ranks
  ON ranks.customer_id = c.customer_id
WHERE
  ranks.percentile_1 >= 100 - 20
