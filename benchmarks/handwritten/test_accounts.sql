-- Internal and QA accounts.
SELECT customer_id
FROM crm.customers
WHERE email ILIKE '%@example.com'
   OR email ILIKE '%+test%'
   OR email ILIKE 'qa.%'
   OR lower(trim(first_name)) = 'test'
