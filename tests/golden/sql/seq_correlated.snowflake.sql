SELECT
  c.customer_id
FROM crm.customers AS c
LEFT JOIN (
  SELECT
    step_1.customer_id AS customer_id
  FROM shop.cart_adds AS step_1
  INNER JOIN shop.reviews AS step_2
    ON step_2.customer_id = step_1.customer_id
  WHERE
    step_1.added_at < CAST('2024-07-01 00:00:00' AS TIMESTAMPNTZ)
    AND step_2.review_date <= CAST('2024-06-30' AS DATE)
    AND step_2.review_date >= CAST(step_1.added_at AS DATE)
    AND step_2.review_date <= DATEADD(DAY, 2, CAST(step_1.added_at AS DATE))
    AND step_2.product_id = step_1.product_id
  GROUP BY
    step_1.customer_id
) AS sequence_1
  ON sequence_1.customer_id = c.customer_id
WHERE
  NOT sequence_1.customer_id IS NULL
