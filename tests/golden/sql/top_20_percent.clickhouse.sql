SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    ranked.customer_id AS customer_id,
    COALESCE(
      toFloat64((
        RANK() OVER (ORDER BY ranked.value_1 ASC) - 1
      ) * 100) / nullIf(toFloat64(COUNT(ranked.value_1) OVER () - 1), 0),
      0
    ) AS percentile_1
  FROM (
    SELECT
      c.customer_id AS customer_id,
      c.lifetime_value AS value_1
    FROM crm.customers AS c
    WHERE
      NOT (
        c.lifetime_value IS NULL
      )
  ) AS ranked
) AS ranks
  ON ranks.customer_id = c.customer_id
WHERE
  ranks.percentile_1 >= 100 - 20
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
