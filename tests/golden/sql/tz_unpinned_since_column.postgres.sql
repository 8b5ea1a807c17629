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
      AND logins_1.logged_at < CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
  )
