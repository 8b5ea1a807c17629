-- The channel of the second order that has one, by time then channel, is 'app'.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, arg_min(channel, (ordered_at, channel), 2) AS firsts
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01' AND channel IS NOT NULL
  GROUP BY customer_id
) AS o USING (customer_id)
WHERE o.firsts[2] = 'app'
