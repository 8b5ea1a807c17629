SELECT
  members.customer_id
FROM (
  SELECT
    c.customer_id,
    CASE
      WHEN NOT c.lifetime_value IS NULL
      THEN COALESCE(
        CAST((
          RANK() OVER (ORDER BY c.lifetime_value ASC) - 1
        ) * 100 AS DOUBLE) / NULLIF(COUNT(c.lifetime_value) OVER () - 1, 0),
        0
      )
    END >= 100 - 20 AS is_member
  FROM crm.customers AS c
) AS members
WHERE
  members.is_member
