-- Born on a 30 June or on 1 to 6 July (the next birthday falls on 2026-06-30 .. 2026-07-06).
SELECT customer_id
FROM crm.customers
WHERE (EXTRACT(month FROM birth_date) = 6 AND EXTRACT(day FROM birth_date) = 30)
   OR (EXTRACT(month FROM birth_date) = 7 AND EXTRACT(day FROM birth_date) <= 6)
