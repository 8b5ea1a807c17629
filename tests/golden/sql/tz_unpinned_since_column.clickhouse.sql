SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
INNER JOIN (
  SELECT
    logins.customer_id AS customer_id,
    TRUE AS logins_1
  FROM web.logins AS logins
  INNER JOIN crm.customers AS c
    ON c.customer_id = logins.customer_id
  WHERE
    logins.logged_at >= toDateTime64(toDate32(c.signup_at, 'America/New_York'), 6, 'America/New_York')
    AND logins.logged_at < toDateTime64(addDays(toDate32(now64(6, 'UTC'), 'America/New_York'), 1), 6, 'America/New_York')
  GROUP BY
    logins.customer_id
) AS logins
  ON logins.customer_id = c.customer_id
WHERE
  logins.logins_1
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
