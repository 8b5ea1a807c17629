-- A clicked e-mail sent on d in 2026-05-02 .. 2026-06-30 and a paid order dated d .. d + 2 (up to 2026-06-30).
SELECT c.customer_id
FROM crm.customers AS c
WHERE c.customer_id IN (
  SELECT e.customer_id
  FROM marketing.email_events AS e
  JOIN sales.orders AS o
    ON o.customer_id = e.customer_id AND CAST(o.ordered_at AS DATE) BETWEEN e.sent_at AND e.sent_at + 2
  WHERE e.clicked AND e.sent_at BETWEEN DATE '2026-05-02' AND DATE '2026-06-30'
    AND o.status = 'paid' AND o.ordered_at >= TIMESTAMP '2026-05-02' AND o.ordered_at < TIMESTAMP '2026-07-01'
)
