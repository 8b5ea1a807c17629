-- 3+ paid orders, the last one 60 to 180 days ago, fewer paid orders this year than the year before,
-- and no e-mail opened nor web visit in the last 30 days.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 3
     AND max(ordered_at) >= TIMESTAMP '2026-01-01' AND max(ordered_at) < TIMESTAMP '2026-05-02'
     AND count(*) FILTER (WHERE ordered_at >= TIMESTAMP '2025-07-01')
       < count(*) FILTER (WHERE ordered_at >= TIMESTAMP '2024-06-30' AND ordered_at < TIMESTAMP '2025-06-30')
) AS o USING (customer_id)
WHERE NOT EXISTS (SELECT 1 FROM marketing.email_events AS e
                  WHERE e.customer_id = c.customer_id AND e.opened
                    AND e.sent_at BETWEEN DATE '2026-06-01' AND DATE '2026-06-30')
  AND NOT EXISTS (SELECT 1 FROM web.sessions AS w
                  WHERE w.customer_id = c.customer_id
                    AND w.started_at >= TIMESTAMP '2026-06-01' AND w.started_at < TIMESTAMP '2026-07-01')
