SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  EXISTS(
    SELECT
      1
    FROM web.logins AS logins_1
    WHERE
      logins_1.customer_id = c.customer_id
      AND logins_1.logged_at >= CAST(CAST(c.signup_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York' AS DATE) AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
      AND logins_1.logged_at < CAST('2024-07-01 04:00:00' AS TIMESTAMP)
  )
