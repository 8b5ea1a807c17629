-- Opted in (the e-mail channel), 18 or over (born on or before 2008-06-30), and born on a 30 June or 1 to 6 July.
SELECT customer_id
FROM crm.customers
WHERE email_opt_in AND birth_date <= DATE '2008-06-30'
  AND ((month(birth_date) = 6 AND day(birth_date) = 30) OR (month(birth_date) = 7 AND day(birth_date) <= 6))
