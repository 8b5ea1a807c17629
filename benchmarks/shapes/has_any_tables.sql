-- An urgent ticket opened, or a review of 1-2 stars written, 2026-04-02 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT customer_id FROM support.tickets
  WHERE priority = 'urgent' AND opened_at >= TIMESTAMP '2026-04-02' AND opened_at < TIMESTAMP '2026-07-01'
  UNION ALL
  SELECT customer_id FROM shop.reviews
  WHERE stars <= 2 AND reviewed_on BETWEEN DATE '2026-04-02' AND DATE '2026-06-30'
)
