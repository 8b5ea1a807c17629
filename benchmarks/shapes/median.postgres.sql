-- The median of paid order amounts (to 2026-06-30; the mean of the middle two for an even count) is over 120:
-- the lower and the upper middle, exactly (percentile_cont would be a double precision).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING percentile_disc(0.5) WITHIN GROUP (ORDER BY amount)
       + percentile_disc(0.5) WITHIN GROUP (ORDER BY amount DESC) > 240
) AS o USING (customer_id)
