-- spring_promo (opted in, an order dated 2025-07-01 .. 2026-06-30) in its holdout: bucket 9000 .. 9999.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.email_opt_in
  AND CAST(CAST('x' || substr(md5('spring_promo_2026:' || CAST(c.customer_id AS TEXT)), 1, 8) AS BIT(32)) AS BIGINT)
      % 10000 >= 9000
  AND c.customer_id IN (SELECT customer_id FROM sales.orders
                        WHERE ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01')
