-- The most frequent category of the order items (to 2026-06-30; ties: the smallest) is books.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, arg_min(category, (-n, category)) AS top
  FROM (
    SELECT customer_id, category, count(*) AS n
    FROM sales.order_items
    WHERE ordered_at < TIMESTAMP '2026-07-01' AND category IS NOT NULL
    GROUP BY customer_id, category
  ) AS per_category
  GROUP BY customer_id
) AS i USING (customer_id)
WHERE i.top = 'books'
