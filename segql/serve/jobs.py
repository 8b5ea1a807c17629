"""The workbench's runner of queries: segql.jobs, shared with the language server (kept here for its importers).

Imports segql.jobs only.
"""

from segql.jobs import Cancelled, Runner, interrupt

__all__ = ["Cancelled", "Runner", "interrupt"]
