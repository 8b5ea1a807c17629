-- 5+ paid orders; gold/platinum, or 1500+ spent in the last year, or in the top 5% by lifetime value;
-- not a test account and no refund in the last 90 days.
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
  )
  WHERE n > 1 AND (r - 1) * 100 >= 95 * (n - 1)
)
SELECT c.customer_id
FROM crm.customers AS c
JOIN o USING (customer_id)
WHERE (c.loyalty_tier IN ('gold', 'platinum') OR o.spend_365 >= 1500 OR c.customer_id IN (SELECT customer_id FROM top5))
  AND o.refunds_90 = 0
  AND NOT coalesce(c.email ILIKE '%@example.com' OR c.email ILIKE '%+test%' OR c.email ILIKE 'qa.%'
                   OR lower(trim(c.first_name)) = 'test', false)
