SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  DATEDIFF(
    CASE
      WHEN ADD_MONTHS(c.birth_date, 12 * (
        YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date)
      )) < CAST('2024-06-30' AS DATE)
      THEN ADD_MONTHS(c.birth_date, 12 * (
        YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date) + 1
      ))
      ELSE ADD_MONTHS(c.birth_date, 12 * (
        YEAR(CAST('2024-06-30' AS DATE)) - YEAR(c.birth_date)
      ))
    END,
    CAST('2024-06-30' AS DATE)
  ) < 7
