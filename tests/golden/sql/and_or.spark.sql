SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  (
    c.country = 'US' OR c.lifetime_value > 250
  ) AND c.email_opt_in
