-- The channel of the earliest order that has one (ties: the smallest channel) is 'store'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT DISTINCT ON (customer_id) customer_id, channel
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  ORDER BY customer_id, ordered_at, channel
) AS o USING (customer_id)
WHERE o.channel = 'store'
