-- The first order with a channel was in a store, the last one in the app.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT DISTINCT ON (customer_id) customer_id, channel
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  ORDER BY customer_id, ordered_at, channel
) AS f USING (customer_id)
JOIN (
  SELECT DISTINCT ON (customer_id) customer_id, channel
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  ORDER BY customer_id, ordered_at DESC, channel DESC
) AS l USING (customer_id)
WHERE f.channel = 'store' AND l.channel = 'app'
