-- The two earliest paid orders (to 2026-06-30, ties counted one by one) are at most 30 calendar days apart.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, (array_agg(ordered_at ORDER BY ordered_at))[1:2] AS firsts
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 2
) AS o USING (customer_id)
WHERE CAST(o.firsts[2] AS DATE) - CAST(o.firsts[1] AS DATE) <= 30
