SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    logins.customer_id AS customer_id,
    COUNT(*) AS logins_1
  FROM web.logins AS logins
  INNER JOIN crm.customers AS c
    ON c.customer_id = logins.customer_id
  WHERE
    logins.logged_at >= CAST(CAST(c.signup_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York' AS DATE) AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
    AND logins.logged_at < CAST('2024-07-01 04:00:00' AS TIMESTAMP)
  GROUP BY
    logins.customer_id
) AS logins
  ON logins.customer_id = c.customer_id
WHERE
  COALESCE(logins.logins_1, 0) > 0
