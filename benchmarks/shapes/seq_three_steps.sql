-- A view at t1 dated 2026-06-01 .. 2026-06-30, a cart addition at t1 .. t1 + 1 day, an order at t2 .. t2 + 1 day
-- (up to now): the cart additions that follow a view, then the orders that follow one of them.
WITH viewed_then_added AS (
  SELECT DISTINCT a.customer_id, a.added_at
  FROM shop.cart_adds AS a
  JOIN web.product_views AS v
    ON v.customer_id = a.customer_id AND a.added_at >= v.viewed_at AND a.added_at <= v.viewed_at + INTERVAL '1 day'
  WHERE v.viewed_at >= TIMESTAMP '2026-06-01' AND v.viewed_at < TIMESTAMP '2026-07-01'
    AND a.added_at >= TIMESTAMP '2026-06-01' AND a.added_at < TIMESTAMP '2026-07-01'
)
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT va.customer_id
  FROM viewed_then_added AS va
  JOIN sales.orders AS o
    ON o.customer_id = va.customer_id AND o.ordered_at >= va.added_at AND o.ordered_at <= va.added_at + INTERVAL '1 day'
  WHERE o.ordered_at >= TIMESTAMP '2026-06-01' AND o.ordered_at < TIMESTAMP '2026-07-01'
)
