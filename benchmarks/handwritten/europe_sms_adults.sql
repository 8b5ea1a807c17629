-- European countries, opted in to text messages, 18 or older on 2026-06-30.
SELECT customer_id
FROM crm.customers
WHERE country IN ('GB', 'DE', 'FR')
  AND sms_opt_in
  AND birth_date <= DATE '2008-06-30'
