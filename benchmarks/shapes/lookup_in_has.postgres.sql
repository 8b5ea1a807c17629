-- An order dated 2026-06-01 .. 2026-06-30 that was in a store, or any such order when the address is in CA:
-- one grouped pass over the month's orders, joined to the address.
SELECT c.customer_id
FROM crm.customers AS c
LEFT JOIN crm.addresses AS a ON a.address_id = c.address_id
JOIN (
  SELECT customer_id, count(*) FILTER (WHERE channel = 'store') AS in_store
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2026-06-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
) AS o USING (customer_id)
WHERE o.in_store > 0 OR a.state = 'CA'
