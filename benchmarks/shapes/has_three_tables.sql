-- An order dated 2026-04-02 .. 2026-06-30, a session and an opened e-mail in 2026-06-01 .. 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (SELECT customer_id FROM sales.orders
                        WHERE ordered_at >= TIMESTAMP '2026-04-02' AND ordered_at < TIMESTAMP '2026-07-01')
  AND c.customer_id IN (SELECT customer_id FROM web.sessions
                        WHERE started_at >= TIMESTAMP '2026-06-01' AND started_at < TIMESTAMP '2026-07-01')
  AND c.customer_id IN (SELECT customer_id FROM marketing.email_events
                        WHERE opened AND sent_at BETWEEN DATE '2026-06-01' AND DATE '2026-06-30')
