-- The first order with a channel was in a store, the last one in the app.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  GROUP BY customer_id
  HAVING arg_min(channel, (ordered_at, channel)) = 'store' AND arg_max(channel, (ordered_at, channel)) = 'app'
) AS o USING (customer_id)
