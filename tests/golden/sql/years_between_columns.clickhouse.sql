SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  CASE
    WHEN c.birth_date <= toDate32(c.signup_at, 'UTC')
    THEN toYear(toDate32(c.signup_at, 'UTC'), 'UTC') - toYear(c.birth_date, 'UTC') - CASE
      WHEN addYears(
        c.birth_date,
        toYear(toDate32(c.signup_at, 'UTC'), 'UTC') - toYear(c.birth_date, 'UTC')
      ) > toDate32(c.signup_at, 'UTC')
      THEN 1
      ELSE 0
    END
    ELSE -(
      toYear(c.birth_date, 'UTC') - toYear(toDate32(c.signup_at, 'UTC'), 'UTC') - CASE
        WHEN addYears(
          toDate32(c.signup_at, 'UTC'),
          toYear(c.birth_date, 'UTC') - toYear(toDate32(c.signup_at, 'UTC'), 'UTC')
        ) > c.birth_date
        THEN 1
        ELSE 0
      END
    )
  END >= 30
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
