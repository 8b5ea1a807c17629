-- A mobile visit in the last 12 hours of 2026-06-30, opted in to text messages.
SELECT customer_id
FROM crm.customers
WHERE sms_opt_in
  AND customer_id IN (
    SELECT customer_id FROM web.sessions
    WHERE device = 'mobile' AND started_at >= TIMESTAMP '2026-06-30 12:00:00' AND started_at < TIMESTAMP '2026-07-01'
  )
