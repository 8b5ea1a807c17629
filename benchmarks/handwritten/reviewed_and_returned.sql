-- A paid order dated 2025-07-01 .. 2026-06-30, a review within 30 days of its date, and a paid order within 60
-- days of the review (dates, the reviews having no time), up to 2026-06-30: each review with an order before it
-- and one after it.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT r.customer_id
  FROM shop.reviews AS r
  WHERE r.reviewed_on BETWEEN DATE '2025-07-01' AND DATE '2026-06-30'
    AND EXISTS (SELECT 1 FROM sales.orders AS o1
                WHERE o1.customer_id = r.customer_id AND o1.status = 'paid'
                  AND o1.ordered_at >= TIMESTAMP '2025-07-01' AND o1.ordered_at < TIMESTAMP '2026-07-01'
                  AND CAST(o1.ordered_at AS DATE) BETWEEN r.reviewed_on - 30 AND r.reviewed_on)
    AND EXISTS (SELECT 1 FROM sales.orders AS o2
                WHERE o2.customer_id = r.customer_id AND o2.status = 'paid'
                  AND o2.ordered_at >= TIMESTAMP '2025-07-01' AND o2.ordered_at < TIMESTAMP '2026-07-01'
                  AND CAST(o2.ordered_at AS DATE) BETWEEN r.reviewed_on AND r.reviewed_on + 60)
)
