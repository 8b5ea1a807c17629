-- 3+ paid orders in the last year, more than half of them with a discount code.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 3 AND count(discount_code) > 0.5 * count(*)
) AS o USING (customer_id)
