SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  MONTH(c.birth_date) = 6
  AND DATE_PART(DAY, c.birth_date) = 30
  OR MONTH(c.birth_date) = 7
  AND DATE_PART(DAY, c.birth_date) <= 6
