SELECT
  c.customer_id AS customer_id
FROM crm.customers AS c
WHERE
  dateDiff(
    'day',
    toDate32('2024-06-30'),
    CASE
      WHEN addYears(c.birth_date, toYear(toDate32('2024-06-30'), 'UTC') - toYear(c.birth_date, 'UTC')) < toDate32('2024-06-30')
      THEN addYears(
        c.birth_date,
        toYear(toDate32('2024-06-30'), 'UTC') - toYear(c.birth_date, 'UTC') + 1
      )
      ELSE addYears(c.birth_date, toYear(toDate32('2024-06-30'), 'UTC') - toYear(c.birth_date, 'UTC'))
    END
  ) < 7
SETTINGS join_use_nulls = 1, aggregate_functions_null_for_empty = 1
