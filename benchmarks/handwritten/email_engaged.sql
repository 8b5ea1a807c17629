-- Opted in, opened an e-mail in the last 30 days, clicked at least twice in the last 12 weeks.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM marketing.email_events
  WHERE sent_at BETWEEN DATE '2026-04-08' AND DATE '2026-06-30'
  GROUP BY customer_id
  HAVING count(*) FILTER (WHERE opened AND sent_at >= DATE '2026-06-01') > 0
     AND count(*) FILTER (WHERE clicked) >= 2
) AS e USING (customer_id)
WHERE c.email_opt_in
