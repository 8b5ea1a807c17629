-- US/CA opted-in customers who spent over 500 on paid orders in the year to 2026-06-30, and ordered nothing in its last 90 days.
SELECT c.customer_id
FROM crm.customers AS c
JOIN (
  SELECT customer_id
  FROM sales.orders
  WHERE ordered_at >= TIMESTAMP '2025-07-01' AND ordered_at < TIMESTAMP '2026-07-01'
  GROUP BY customer_id
  HAVING sum(amount) FILTER (WHERE status = 'paid') > 500
     AND count(*) FILTER (WHERE ordered_at >= TIMESTAMP '2026-04-02') = 0
) AS o USING (customer_id)
WHERE c.country IN ('US', 'CA') AND c.email_opt_in
