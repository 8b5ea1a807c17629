-- The percentile rank of the number of sessions dated 2026-04-02 .. 2026-06-30 (0 for none) is 90+.
WITH visits AS (
  SELECT c.customer_id, coalesce(w.n, 0) AS n
  FROM crm.customers AS c
  LEFT JOIN (
    SELECT customer_id, count(*) AS n
    FROM web.sessions
    WHERE started_at >= TIMESTAMP '2026-04-02' AND started_at < TIMESTAMP '2026-07-01'
    GROUP BY customer_id
  ) AS w USING (customer_id)
),
ranked AS (
  SELECT customer_id, rank() OVER (ORDER BY n) - 1 AS lower, count(*) OVER () AS total
  FROM visits
)
SELECT customer_id
FROM ranked
WHERE total > 1 AND 100 * lower >= 90 * (total - 1)
