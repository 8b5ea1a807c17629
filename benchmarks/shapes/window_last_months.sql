-- 3+ paid orders dated 2025-12-31 .. 2026-06-30 (today - 6 months < d <= today).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-12-31' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 3
) AS o USING (customer_id)
