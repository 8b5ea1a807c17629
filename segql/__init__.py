"""segql: customer segments as code, compiled to SQL.

Importing the package is cheap: nothing heavy (sqlglot, duckdb) is imported here.
"""

__version__ = "0.1.0"
