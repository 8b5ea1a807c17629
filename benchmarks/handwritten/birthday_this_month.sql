-- Born in June, 18 or older on 2026-06-30, opted in to e-mail.
SELECT customer_id
FROM crm.customers
WHERE month(birth_date) = 6
  AND birth_date <= DATE '2008-06-30'
  AND email_opt_in
