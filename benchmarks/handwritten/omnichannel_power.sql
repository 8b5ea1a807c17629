-- 4+ paid orders in the last year averaging over 60; 3+ mobile visits and 3+ pages a visit on average in the
-- last 90 days; no urgent ticket and at least one e-mail click in the last 180 days.
WITH o AS (
  SELECT customer_id
  FROM sales.orders
  WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) >= 4 AND sum(amount) > 60 * count(*)
),
w AS (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at >= TIMESTAMP '2026-04-02' AND started_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE device = 'mobile') >= 3 AND avg(pages) >= 3
),
e AS (
  SELECT DISTINCT customer_id
  FROM marketing.email_events
  WHERE clicked AND sent_at BETWEEN DATE '2026-01-02' AND DATE '2026-06-30'
)
SELECT c.customer_id
FROM crm.customers AS c
JOIN o USING (customer_id)
JOIN w USING (customer_id)
JOIN e USING (customer_id)
WHERE NOT EXISTS (SELECT 1 FROM support.tickets AS t
                  WHERE t.customer_id = c.customer_id AND t.priority = 'urgent'
                    AND t.opened_at >= TIMESTAMP '2026-01-02' AND t.opened_at < TIMESTAMP '2026-07-01')
