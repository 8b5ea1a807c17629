SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  (
    c.score * 2
  ) > 5
