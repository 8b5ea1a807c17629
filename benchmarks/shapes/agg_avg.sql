-- Tickets opened 2024-07-01 .. 2026-06-30 whose answered satisfaction averages 2 or less.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM support.tickets
  WHERE opened_at >= TIMESTAMP '2024-07-01' AND opened_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING avg(satisfaction) <= 2
) AS t USING (customer_id)
