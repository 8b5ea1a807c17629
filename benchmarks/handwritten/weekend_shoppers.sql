-- 2+ paid orders on a Saturday or Sunday (UTC) in the last six months.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND isodow(ordered_at) IN (6, 7)
    AND ordered_at >= TIMESTAMP '2025-12-31' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 2
) AS o USING (customer_id)
