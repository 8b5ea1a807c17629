"""How much input segql reads before it refuses (diagnostic E108): every command loads the whole project, so one
oversized or hostile file in a pull request must cost a diagnostic, not the CI runner's memory or an hour.

Documented in docs/security.md. Imports nothing.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1024 * 1024  # one YAML file (segql.yml, schema.yml, a segment or test file): 1 MiB
MAX_YAML_NODES = 50_000  # values of one YAML file once its aliases (`*name`) are expanded
MAX_YAML_DEPTH = 200  # mappings and lists inside each other (E101 beyond; libyaml itself stops at 1000)
MAX_SEGMENTS = 10_000  # segments of one project (and as many segment files)
MAX_DIGITS = 38  # digits of a number, in an expression (E118), a parameter value or default, a test fixture:
# the widest DECIMAL of the supported engines
# Expressions: at most 100 levels of nesting (E117, segql.syntax.parser.MAX_DEPTH).


def size_text(size: int) -> str:
    """A byte count as people read it: `1.5 MiB`, `900 KiB`, `12 bytes`."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size // 1024} KiB"
    return f"{size} bytes"
