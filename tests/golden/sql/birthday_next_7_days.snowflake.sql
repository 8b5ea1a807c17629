SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  DATEDIFF(
    DAY,
    CAST('2024-06-30' AS DATE),
    CASE
      WHEN DATEADD(YEAR, YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date), c.birth_date) < CAST('2024-06-30' AS DATE)
      THEN DATEADD(YEAR, YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date) + 1, c.birth_date)
      ELSE DATEADD(YEAR, YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date), c.birth_date)
    END
  ) < 7
