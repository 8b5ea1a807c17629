-- US customers with 3+ web orders (not cancelled) in the last year, whose address is not in CA or TX
-- (a missing address or state counts as "not in").
SELECT c.customer_id
FROM crm.customers AS c
LEFT JOIN crm.addresses AS a ON a.address_id = c.address_id
WHERE c.country = 'US'
  AND NOT coalesce(a.state IN ('CA', 'TX'), false)
  AND c.customer_id IN (
    SELECT customer_id
    FROM sales.orders
    WHERE channel = 'web' AND status != 'cancelled'
      AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
    GROUP BY customer_id
    HAVING count(*) >= 3
  )
