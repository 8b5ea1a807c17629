-- DE, and born after 1991-06-30 and on or before 2001-06-30 (25 to 34 on 2026-06-30).
SELECT customer_id
FROM crm.customers
WHERE country = 'DE' AND birth_date > DATE '1991-06-30' AND birth_date <= DATE '2001-06-30'
