-- US/CA, and vip (5+ paid orders; gold/platinum, 1500+ spent in the last year or top 5% by lifetime value; not a
-- test account, no refund in the last 90 days), 2000+ lifetime value, or email_engaged (opted in, opened an
-- e-mail in the last 30 days, clicked twice in the last 12 weeks).
WITH o AS (
  SELECT customer_id,
    sum(amount) FILTER (WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01') AS spend_365,
    count(*) FILTER (WHERE status = 'refunded' AND ordered_at >= TIMESTAMP '2026-04-02') AS refunds_90
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
  ) AS ranked
  WHERE n > 1 AND (r - 1) * 100 >= 95 * (n - 1)
),
vip AS (
  SELECT c.customer_id
  FROM crm.customers AS c
  JOIN o USING (customer_id)
  WHERE (c.loyalty_tier IN ('gold', 'platinum') OR o.spend_365 >= 1500 OR c.customer_id IN (SELECT customer_id FROM top5))
    AND o.refunds_90 = 0
    AND NOT coalesce(c.email ILIKE '%@example.com' OR c.email ILIKE '%+test%' OR c.email ILIKE 'qa.%'
                   OR lower(trim(c.first_name)) = 'test', false)
),
engaged AS (
  SELECT customer_id
  FROM marketing.email_events
  WHERE sent_at BETWEEN DATE '2026-04-08' AND DATE '2026-06-30'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE opened AND sent_at >= DATE '2026-06-01') > 0
     AND count(*) FILTER (WHERE clicked) >= 2
)
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.country IN ('US', 'CA')
  AND (c.lifetime_value >= 2000
       OR c.customer_id IN (SELECT customer_id FROM vip)
       OR (c.email_opt_in AND c.customer_id IN (SELECT customer_id FROM engaged)))
