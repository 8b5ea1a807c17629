-- Opted-in US customers living in CA, NY, WA or FL who ordered through 3+ channels and paid over 1000 in all:
-- the conditions on the customer do not depend on the order, so they are checked once per customer.
SELECT c.customer_id
FROM crm.customers AS c
JOIN crm.addresses AS a ON a.address_id = c.address_id
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(DISTINCT channel) >= 3 AND sum(amount) FILTER (WHERE status = 'paid') > 1000
) AS o USING (customer_id)
WHERE a.state IN ('CA', 'NY', 'WA', 'FL') AND c.email_opt_in AND c.country = 'US'
