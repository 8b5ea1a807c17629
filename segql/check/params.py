"""Parameter values: a default from a segment file or a `--param name=value`, parsed by its declared type.

A bad value is a diagnostic, never SQL. Imports only segql.types.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from segql.types import Type

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_value(text: str, typ: Type) -> Any:
    """The Python value of `text` as `typ`; ValueError with a readable message when it isn't one."""
    raw = text.strip()
    kind = typ.kind
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValueError(f"`{raw}` is not a whole number")
        return int(raw)
    if kind in ("decimal", "float"):
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"`{raw}` is not a number") from None
        if not value.is_finite():
            raise ValueError(f"`{raw}` is not a finite number")
        return value if kind == "decimal" else float(value)
    if kind == "boolean":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ValueError(f"`{raw}` is not true or false")
    if kind == "date":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"`{raw}` is not a date (YYYY-MM-DD)") from None
    if kind == "timestamp":
        try:
            return dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"`{raw}` is not a timestamp (YYYY-MM-DDTHH:MM:SS)") from None
    return text  # string
