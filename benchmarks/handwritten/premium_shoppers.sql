-- Every paid order of the last year at least 50, the largest at least 400, the average paid order ever 100+.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING min(amount) FILTER (WHERE ordered_at >= TIMESTAMP '2025-07-01') >= 50
     AND max(amount) FILTER (WHERE ordered_at >= TIMESTAMP '2025-07-01') >= 400
     AND round(avg(amount), 0) >= 100
) AS o USING (customer_id)
