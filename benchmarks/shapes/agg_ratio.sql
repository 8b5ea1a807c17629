-- 2+ refunded orders, and refunded orders are at least a quarter of all orders (to 2026-06-30).
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE status = 'refunded') >= 2
     AND 4 * count(*) FILTER (WHERE status = 'refunded') >= count(*)
) AS o USING (customer_id)
