SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  c.customer_id IN (
    SELECT
      logins_1.customer_id
    FROM web.logins AS logins_1
    INNER JOIN crm.customers AS c
      ON c.customer_id = logins_1.customer_id
    WHERE
      logins_1.logged_at >= CAST(CAST(c.signup_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York' AS DATE) AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
      AND logins_1.logged_at < CAST(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'America/New_York' AS DATE) + 1 AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC'
  )
