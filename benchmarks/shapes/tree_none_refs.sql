-- Opted in, an order dated 2025-07-01 .. 2026-06-30; not a test account (test_accounts) and not churn_risk:
-- 3+ paid orders, the last one 60 to 180 days ago, fewer paid orders this year than the year before, and no
-- e-mail opened nor web visit in the last 30 days. One pass over the orders serves both.
WITH o AS (
  SELECT customer_id,
    count(*) FILTER (WHERE status = 'paid') AS paid,
    max(ordered_at) FILTER (WHERE status = 'paid') AS last_paid,
    count(*) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01') AS paid_365,
    count(*) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2024-06-30'
                       AND ordered_at < TIMESTAMP '2025-06-30') AS paid_year_before
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING max(ordered_at) >= TIMESTAMP '2025-07-01'
),
engaged AS (  -- opened an e-mail or visited the site in the last 30 days
  SELECT customer_id FROM marketing.email_events WHERE opened AND sent_at BETWEEN DATE '2026-06-01' AND DATE '2026-06-30'
  UNION
  SELECT customer_id FROM web.sessions WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-07-01'
)
SELECT c.customer_id
FROM crm.customers AS c
JOIN o USING (customer_id)
WHERE c.email_opt_in
  AND NOT coalesce(c.email ILIKE '%@example.com' OR c.email ILIKE '%+test%' OR c.email ILIKE 'qa.%'
                   OR lower(trim(c.first_name)) = 'test', false)
  AND NOT (o.paid >= 3 AND o.last_paid >= TIMESTAMP '2026-01-01' AND o.last_paid < TIMESTAMP '2026-05-02'
           AND o.paid_365 < o.paid_year_before
           AND c.customer_id NOT IN (SELECT customer_id FROM engaged))
