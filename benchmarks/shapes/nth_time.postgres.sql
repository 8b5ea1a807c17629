-- The two earliest paid orders (to 2026-06-30, ties counted one by one) are at most 30 calendar days apart.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, ordered_at, row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at) AS n
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
) AS second USING (customer_id)
JOIN (
  SELECT customer_id, min(ordered_at) AS first_at
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
) AS first USING (customer_id)
WHERE second.n = 2 AND CAST(second.ordered_at AS DATE) - CAST(first.first_at AS DATE) <= 30
