-- An order dated 2026-06-01 .. 2026-06-30 that was in a store, or any such order when the address is in CA:
-- a semi-join on the orders, the Californians read once.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2026-06-01' AND ordered_at < TIMESTAMP '2026-07-01'
    AND (channel = 'store' OR customer_id IN (SELECT ca.customer_id
                                              FROM crm.customers AS ca
                                              JOIN crm.addresses AS a ON a.address_id = ca.address_id
                                              WHERE a.state = 'CA'))
)
