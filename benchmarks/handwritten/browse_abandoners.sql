-- Opted in; a product viewed on 2026-06-28 .. 2026-06-30 whose two days have passed by now (so viewed before
-- 2026-06-29) with no order item of that product in the two days after the view.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.email_opt_in
  AND c.customer_id IN (
    SELECT v.customer_id
    FROM web.product_views AS v
    WHERE v.viewed_at >= TIMESTAMP '2026-06-28' AND v.viewed_at < TIMESTAMP '2026-06-29'
      AND NOT EXISTS (SELECT 1 FROM sales.order_items AS i
                      WHERE i.customer_id = v.customer_id AND i.product_id = v.product_id
                        AND i.ordered_at >= TIMESTAMP '2026-06-28'
                        AND i.ordered_at >= v.viewed_at AND i.ordered_at <= v.viewed_at + INTERVAL '2 days'))
