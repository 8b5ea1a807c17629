SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  COALESCE(
    toFloat64(
      ROUND(toDecimal128OrNull(toString(toFloat64(c.score) / nullIf(toFloat64(4), 0)), 18), 1)
    ),
    toFloat64(ROUND(toFloat64(c.score) / nullIf(toFloat64(4), 0), 1))
  ) = 2.6
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
