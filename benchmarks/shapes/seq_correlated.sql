-- A view at t dated 2026-06-17 .. 2026-06-30 with t + 2 days <= now (t < 2026-06-29), and no order item of that
-- product at t .. t + 2 days.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT v.customer_id
  FROM web.product_views AS v
  WHERE v.viewed_at >= TIMESTAMP '2026-06-17' AND v.viewed_at < TIMESTAMP '2026-06-29'
    AND NOT EXISTS (SELECT 1 FROM sales.order_items AS i
                    WHERE i.customer_id = v.customer_id AND i.product_id = v.product_id
                      AND i.ordered_at >= v.viewed_at AND i.ordered_at <= v.viewed_at + INTERVAL '2 days')
)
