-- Opted in; a cart addition dated 2026-06-28 .. 2026-06-30 whose day has passed (so before 2026-06-30) with no
-- order in the day after it.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.email_opt_in
  AND c.customer_id IN (
    SELECT a.customer_id
    FROM shop.cart_adds AS a
    WHERE a.added_at >= TIMESTAMP '2026-06-28' AND a.added_at < TIMESTAMP '2026-06-30'
      AND NOT EXISTS (SELECT 1 FROM sales.orders AS o
                      WHERE o.customer_id = a.customer_id AND o.ordered_at >= TIMESTAMP '2026-06-28'
                        AND o.ordered_at >= a.added_at AND o.ordered_at <= a.added_at + INTERVAL '1 day'))
