-- The first paid order was in spring (2026-03-01 to 2026-05-31), and no order at all since 2026-06-01.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING min(ordered_at) FILTER (WHERE status = 'paid') >= TIMESTAMP '2026-03-01'
     AND min(ordered_at) FILTER (WHERE status = 'paid') < TIMESTAMP '2026-06-01'
     AND max(ordered_at) < TIMESTAMP '2026-06-01'
) AS o USING (customer_id)
