-- VIPs (see vip.sql) who are not at risk of churning (churn_risk.sql) and not unhappy with support
-- (support_unhappy.sql): one pass over the orders serves both order conditions.
WITH o AS (
  SELECT customer_id,
    sum(amount) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01') AS spend_365,
    count(*) FILTER (WHERE status = 'refunded' AND ordered_at >= TIMESTAMP '2026-04-02') AS refunds_90,
    max(ordered_at) FILTER (WHERE status = 'paid') AS last_paid,
    count(*) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01') AS orders_365,
    count(*) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2024-06-30'
                     AND ordered_at < TIMESTAMP '2025-06-30') AS orders_year_before
  FROM sales.orders
  WHERE ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE status = 'paid') >= 5
),
top5 AS (
  SELECT customer_id
  FROM (
    SELECT customer_id, rank() OVER (ORDER BY lifetime_value) AS r, count(*) OVER () AS n
    FROM crm.customers
    WHERE lifetime_value IS NOT NULL
  )
  WHERE n > 1 AND (r - 1) * 100 >= 95 * (n - 1)
),
vip AS (
  SELECT c.customer_id, o.last_paid, o.orders_365, o.orders_year_before
  FROM crm.customers AS c
  JOIN o USING (customer_id)
  WHERE (c.loyalty_tier IN ('gold', 'platinum') OR o.spend_365 >= 1500 OR c.customer_id IN (SELECT customer_id FROM top5))
    AND o.refunds_90 = 0
    AND NOT coalesce(c.email ILIKE '%@example.com' OR c.email ILIKE '%+test%' OR c.email ILIKE 'qa.%'
                     OR lower(trim(c.first_name)) = 'test', false)
),
at_risk AS (
  SELECT customer_id
  FROM vip
  WHERE last_paid >= TIMESTAMP '2026-01-01' AND last_paid < TIMESTAMP '2026-05-02'
    AND orders_365 < orders_year_before
    AND NOT EXISTS (SELECT 1 FROM marketing.email_events AS e
                    WHERE e.customer_id = vip.customer_id AND e.opened
                      AND e.sent_at BETWEEN DATE '2026-06-01' AND DATE '2026-06-30')
    AND NOT EXISTS (SELECT 1 FROM web.sessions AS w
                    WHERE w.customer_id = vip.customer_id
                      AND w.started_at >= TIMESTAMP '2026-06-01' AND w.started_at < TIMESTAMP '2026-07-01')
),
unhappy AS (
  SELECT customer_id
  FROM support.tickets
  WHERE opened_at >= TIMESTAMP '2025-12-31' AND opened_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING avg(satisfaction) <= 2
      OR count(*) FILTER (WHERE priority IN ('high', 'urgent') AND opened_at >= TIMESTAMP '2026-04-02') >= 2
)
SELECT customer_id
FROM vip
WHERE customer_id NOT IN (SELECT customer_id FROM at_risk)
  AND customer_id NOT IN (SELECT customer_id FROM unhappy)
