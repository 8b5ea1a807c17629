"""The types of segql values, shared by the schema model and the checker.

Imports nothing of segql.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Type:
    """integer decimal float string boolean date timestamp enum duration null, and `error`
    (a value whose type could not be worked out; it never causes a second diagnostic)."""

    kind: str
    values: tuple[str, ...] = ()  # enum values

    def __str__(self) -> str:
        return self.kind

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("integer", "decimal", "float")

    @property
    def is_textual(self) -> bool:
        return self.kind in ("string", "enum")

    @property
    def is_temporal(self) -> bool:
        return self.kind in ("date", "timestamp")

    @property
    def is_error(self) -> bool:
        return self.kind == "error"


INTEGER = Type("integer")
DECIMAL = Type("decimal")
FLOAT = Type("float")
STRING = Type("string")
BOOLEAN = Type("boolean")
DATE = Type("date")
TIMESTAMP = Type("timestamp")
DURATION = Type("duration")
NULL = Type("null")
ERROR = Type("error")

SCALAR_TYPES = {t.kind: t for t in (INTEGER, DECIMAL, FLOAT, STRING, BOOLEAN, DATE, TIMESTAMP)}
DECLARABLE_TYPES = (*SCALAR_TYPES, "enum")
