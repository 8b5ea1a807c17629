-- Aged 25 to 40 on 2026-06-30, living in CA or TX, opted in to e-mail, 2+ paid orders in the last year.
SELECT c.customer_id
FROM crm.customers AS c
JOIN crm.addresses AS a ON a.address_id = c.address_id
WHERE c.birth_date > DATE '1985-06-30' AND c.birth_date <= DATE '2001-06-30'
  AND a.state IN ('CA', 'TX')
  AND c.email_opt_in
  AND c.customer_id IN (
    SELECT customer_id
    FROM sales.orders
    WHERE status = 'paid' AND ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
    GROUP BY customer_id
    HAVING count(*) >= 2
  )
