-- A session after 2026-06-28 23:59:59.999999 (now - 48 hours) up to now, the end of 2026-06-30.
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT customer_id
  FROM web.sessions
  WHERE started_at > TIMESTAMP '2026-06-28 23:59:59.999999' AND started_at < TIMESTAMP '2026-07-01'
)
