-- Opted in (every wave is an e-mail), and in one of the waves: cart_abandoners (a cart addition of 2026-06-28 ..
-- 2026-06-29 with no order in the day after it), browse_abandoners (a product viewed on 2026-06-28 and not ordered
-- in the two days after) or birthday_next_week (18 or over, born on a 30 June or 1 to 6 July).
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.email_opt_in
  AND ((c.birth_date <= DATE '2008-06-30'
        AND ((month(c.birth_date) = 6 AND day(c.birth_date) = 30) OR (month(c.birth_date) = 7 AND day(c.birth_date) <= 6)))
       OR c.customer_id IN (
         SELECT a.customer_id
         FROM shop.cart_adds AS a
         WHERE a.added_at >= TIMESTAMP '2026-06-28' AND a.added_at < TIMESTAMP '2026-06-30'
           AND NOT EXISTS (SELECT 1 FROM sales.orders AS o
                           WHERE o.customer_id = a.customer_id AND o.ordered_at >= TIMESTAMP '2026-06-28'
                             AND o.ordered_at >= a.added_at AND o.ordered_at <= a.added_at + INTERVAL '1 day')
         UNION ALL
         SELECT v.customer_id
         FROM web.product_views AS v
         WHERE v.viewed_at >= TIMESTAMP '2026-06-28' AND v.viewed_at < TIMESTAMP '2026-06-29'
           AND NOT EXISTS (SELECT 1 FROM sales.order_items AS i
                           WHERE i.customer_id = v.customer_id AND i.product_id = v.product_id
                             AND i.ordered_at >= TIMESTAMP '2026-06-28'
                             AND i.ordered_at >= v.viewed_at AND i.ordered_at <= v.viewed_at + INTERVAL '2 days')))
