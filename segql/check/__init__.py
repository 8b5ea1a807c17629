"""Name resolution and type checking: ast.SegmentDef + Schema → CheckedSegment (segql.check.tree).

Reports every problem of a run at once. Imports no lark, no yaml, no sqlglot.
"""

from segql.check.checker import CheckResult, check_project

__all__ = ["CheckResult", "check_project"]
