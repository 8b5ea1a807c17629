SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CASE
    WHEN c.birth_date <= CAST(c.signup_at AS DATE)
    THEN YEAR(CAST(c.signup_at AS DATE)) - YEAR(c.birth_date) - CASE
      WHEN ADD_MONTHS(c.birth_date, 12 * (
        YEAR(CAST(c.signup_at AS DATE)) - YEAR(c.birth_date)
      )) > CAST(c.signup_at AS DATE)
      THEN 1
      ELSE 0
    END
    ELSE -(
      YEAR(c.birth_date) - YEAR(CAST(c.signup_at AS DATE)) - CASE
        WHEN ADD_MONTHS(
          CAST(c.signup_at AS DATE),
          12 * (
            YEAR(c.birth_date) - YEAR(CAST(c.signup_at AS DATE))
          )
        ) > c.birth_date
        THEN 1
        ELSE 0
      END
    )
  END >= 30
