SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  CASE
    WHEN c.birth_date <= CAST(c.signup_at AS DATE)
    THEN EXTRACT(YEAR FROM CAST(c.signup_at AS DATE)) - EXTRACT(YEAR FROM c.birth_date) - CASE
      WHEN CAST(c.birth_date + (
        EXTRACT(YEAR FROM CAST(c.signup_at AS DATE)) - EXTRACT(YEAR FROM c.birth_date)
      ) * INTERVAL '1 YEAR' AS DATE) > CAST(c.signup_at AS DATE)
      THEN 1
      ELSE 0
    END
    ELSE -(
      EXTRACT(YEAR FROM c.birth_date) - EXTRACT(YEAR FROM CAST(c.signup_at AS DATE)) - CASE
        WHEN CAST(CAST(c.signup_at AS DATE) + (
          EXTRACT(YEAR FROM c.birth_date) - EXTRACT(YEAR FROM CAST(c.signup_at AS DATE))
        ) * INTERVAL '1 YEAR' AS DATE) > c.birth_date
        THEN 1
        ELSE 0
      END
    )
  END >= 30
