-- The median paid order dated 2025-07-01 .. 2026-06-30 is over 120 (doubled amounts: the mean of the two
-- middle ones stays exact in DECIMAL(12, 2)).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING median(2 * amount) > 240
) AS o USING (customer_id)
