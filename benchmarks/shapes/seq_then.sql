-- A cart addition at t dated 2026-06-01 .. 2026-06-30 and an order at t .. t + 1 day (up to now, the end of
-- 2026-06-30): a self-join on the customer, its range bounded by the window.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT a.customer_id
  FROM shop.cart_adds AS a
  JOIN sales.orders AS o
    ON o.customer_id = a.customer_id AND o.ordered_at >= a.added_at AND o.ordered_at <= a.added_at + INTERVAL '1 day'
  WHERE a.added_at >= TIMESTAMP '2026-06-01' AND a.added_at < TIMESTAMP '2026-07-01'
    AND o.ordered_at >= TIMESTAMP '2026-06-01' AND o.ordered_at < TIMESTAMP '2026-07-01'
)
