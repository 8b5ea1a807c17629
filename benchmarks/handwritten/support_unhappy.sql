-- Average satisfaction of at most 2 over the last six months, or 2+ high/urgent tickets in the last 90 days.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM support.tickets
  WHERE opened_at >= TIMESTAMP '2025-12-31' AND opened_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING avg(satisfaction) <= 2
      OR count(*) FILTER (WHERE priority IN ('high', 'urgent') AND opened_at >= TIMESTAMP '2026-04-02') >= 2
) AS t USING (customer_id)
