SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    ranked.customer_id,
    COALESCE(
      CAST((
        RANK() OVER (ORDER BY ranked.value_1 ASC NULLS LAST) - 1
      ) * 100 AS DOUBLE) / NULLIF(COUNT(ranked.value_1) OVER () - 1, 0),
      0
    ) AS percentile_1
  FROM (
    SELECT
      c.customer_id,
      c.lifetime_value AS value_1
    FROM crm.customers AS c
    WHERE
      NOT c.lifetime_value IS NULL
  ) AS ranked
) AS ranks
  ON ranks.customer_id = c.customer_id
WHERE
  ranks.percentile_1 >= 100 - 20
