-- Born in July, signed up on a Saturday or Sunday (UTC).
SELECT customer_id
FROM crm.customers
WHERE EXTRACT(month FROM birth_date) = 7 AND EXTRACT(isodow FROM signup_at) >= 6
