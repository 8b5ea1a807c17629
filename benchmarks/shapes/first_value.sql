-- The channel of the earliest order that has one (ties: the smallest channel) is 'store'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  GROUP BY customer_id
  HAVING arg_min(channel, (ordered_at, channel)) = 'store'
) AS o USING (customer_id)
