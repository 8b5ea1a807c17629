SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  LOWER(c.name) LIKE LOWER(
    '%' || REPLACE(REPLACE(REPLACE(c.nickname, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
  ) ESCAPE '\\'
