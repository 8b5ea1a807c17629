SELECT
  c.customer_id
FROM crm.customers AS c
WHERE
  (
    (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 1, 1),
        '0123456789abcdef'
      ) - 1
    ) * 268435456 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 2, 1),
        '0123456789abcdef'
      ) - 1
    ) * 16777216 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 3, 1),
        '0123456789abcdef'
      ) - 1
    ) * 1048576 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 4, 1),
        '0123456789abcdef'
      ) - 1
    ) * 65536 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 5, 1),
        '0123456789abcdef'
      ) - 1
    ) * 4096 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 6, 1),
        '0123456789abcdef'
      ) - 1
    ) * 256 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 7, 1),
        '0123456789abcdef'
      ) - 1
    ) * 16 + (
      CHARINDEX(
        SUBSTRING(MD5('spring:' || CAST(c.customer_id AS VARCHAR)), 8, 1),
        '0123456789abcdef'
      ) - 1
    ) * 1
  ) % 10000 < 5000
