SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CASE
    WHEN CAST(c.birth_date + (
      EXTRACT(YEAR FROM CAST('2024-06-30' AS DATE)) - EXTRACT(YEAR FROM c.birth_date)
    ) * INTERVAL '1 YEAR' AS DATE) < CAST('2024-06-30' AS DATE)
    THEN CAST(c.birth_date + (
      EXTRACT(YEAR FROM CAST('2024-06-30' AS DATE)) - EXTRACT(YEAR FROM c.birth_date) + 1
    ) * INTERVAL '1 YEAR' AS DATE)
    ELSE CAST(c.birth_date + (
      EXTRACT(YEAR FROM CAST('2024-06-30' AS DATE)) - EXTRACT(YEAR FROM c.birth_date)
    ) * INTERVAL '1 YEAR' AS DATE)
  END - CAST('2024-06-30' AS DATE) < 7
