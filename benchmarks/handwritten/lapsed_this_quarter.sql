-- A paid order dated 2026-01-01 .. 2026-03-31 and no order at all dated 2026-04-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2026-01-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-04-01') > 0
     AND max(ordered_at) < TIMESTAMP '2026-04-01'
) AS o USING (customer_id)
