SELECT
  c.customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    logins.customer_id AS customer_id,
    TRUE AS logins_1
  FROM web.logins AS logins
  INNER JOIN crm.customers AS c
    ON c.customer_id = logins.customer_id
  WHERE
    logins.logged_at >= CONVERT_TIMEZONE(
      'America/New_York',
      'UTC',
      CAST(CAST(CONVERT_TIMEZONE('UTC', 'America/New_York', c.signup_at) AS DATE) AS TIMESTAMP_NTZ)
    )
    AND logins.logged_at < CAST('2024-07-01 04:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    logins.customer_id
) AS logins
  ON logins.customer_id = c.customer_id
WHERE
  logins.logins_1
