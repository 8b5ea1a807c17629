-- The median of paid order amounts (to 2026-06-30; the mean of the middle two for an even count) is over 120.
-- Doubling the amounts keeps the mean of the middle two exact in DECIMAL(12, 2).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING median(2 * amount) > 240
) AS o USING (customer_id)
