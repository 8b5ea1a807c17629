-- The channel of the second order that has one, by time then channel, is 'app'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, channel, row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at, channel) AS n
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
) AS o USING (customer_id)
WHERE o.n = 2 AND o.channel = 'app'
