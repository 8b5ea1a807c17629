-- Signed up in 2026 and paid for a first order within 7 days (by date) of signing up.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, min(ordered_at) AS first_paid
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
) AS o USING (customer_id)
WHERE c.signup_at >= TIMESTAMP '2026-01-01' AND c.signup_at < TIMESTAMP '2027-01-01'
  AND CAST(o.first_paid AS DATE) - CAST(c.signup_at AS DATE) <= 7
