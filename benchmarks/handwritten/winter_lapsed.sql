-- A paid order before 2026-01-01, no order of any kind since, lifetime value of 200 or more.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE status = 'paid') > 0 AND max(ordered_at) < TIMESTAMP '2026-01-01'
) AS o USING (customer_id)
WHERE c.lifetime_value >= 200
