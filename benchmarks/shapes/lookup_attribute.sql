-- Opted in, and the address's state is CA, NY or TX.
SELECT c.customer_id
FROM crm.customers AS c
JOIN crm.addresses AS a ON a.address_id = c.address_id
WHERE a.state IN ('CA', 'NY', 'TX') AND c.email_opt_in
