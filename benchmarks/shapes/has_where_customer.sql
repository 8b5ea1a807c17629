-- An order dated 2025-07-01 .. 2026-06-30 worth more than half the customer's lifetime value: the largest one is.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id, max(amount) AS largest
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
) AS o USING (customer_id)
WHERE 2 * o.largest > c.lifetime_value
