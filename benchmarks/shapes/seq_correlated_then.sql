-- A cart addition at t dated 2026-06-01 .. 2026-06-30 and an order item of the same product at t .. t + 1 day
-- (up to now).
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT a.customer_id
  FROM shop.cart_adds AS a
  JOIN sales.order_items AS i
    ON i.customer_id = a.customer_id AND i.product_id = a.product_id
   AND i.ordered_at >= a.added_at AND i.ordered_at <= a.added_at + INTERVAL '1 day'
  WHERE a.added_at >= TIMESTAMP '2026-06-01' AND a.added_at < TIMESTAMP '2026-07-01'
    AND i.ordered_at >= TIMESTAMP '2026-06-01' AND i.ordered_at < TIMESTAMP '2026-07-01'
)
