-- Opted in, and the e-mail's domain (after the @, lower-cased) is gmail.com.
SELECT customer_id
FROM crm.customers
WHERE email_opt_in AND lower(split_part(email, '@', 2)) = 'gmail.com'
