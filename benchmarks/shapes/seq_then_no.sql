-- A cart addition at t dated 2026-06-24 .. 2026-06-30 whose day has ended by now (t + 1 day <= the end of
-- 2026-06-30, so t < 2026-06-30) with no order at t .. t + 1 day: an anti-join.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT a.customer_id
  FROM shop.cart_adds AS a
  WHERE a.added_at >= TIMESTAMP '2026-06-24' AND a.added_at < TIMESTAMP '2026-06-30'
    AND NOT EXISTS (SELECT 1 FROM sales.orders AS o
                    WHERE o.customer_id = a.customer_id AND o.ordered_at >= TIMESTAMP '2026-06-24'
                      AND o.ordered_at >= a.added_at AND o.ordered_at <= a.added_at + INTERVAL '1 day')
)
