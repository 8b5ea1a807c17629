"""Parameter values: a default from a segment file or a `--param name=value`, parsed by its declared type.

A bad value is a diagnostic, never SQL. Numbers are written as in an expression (digits, a point, and here a sign:
no `1_000`, no `1e5`) and have at most MAX_DIGITS digits. Imports only segql.types and segql.limits.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from segql.limits import MAX_DIGITS
from segql.types import Type


def _how(raw: str) -> str:
    if "_" in raw:
        return f" (write it without `_`: `{raw.replace('_', '')}`)"
    if re.fullmatch(r"[+-]?[\d.]+[eE][+-]?\d+", raw):
        return " (write it out in digits, as in an expression: no exponent)"
    return ""


def _check_digits(raw: str) -> None:
    digits = raw.lstrip("+-").replace(".", "").lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"`{raw}` has more than {MAX_DIGITS} digits, more than any database holds")


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_value(text: str, typ: Type) -> Any:
    """The Python value of `text` as `typ`; ValueError with a readable message when it isn't one."""
    raw = text.strip()
    kind = typ.kind
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValueError(f"`{raw}` is not a whole number" + _how(raw))
        _check_digits(raw)
        return int(raw)
    if kind in ("decimal", "float"):
        if not re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", raw):
            raise ValueError(f"`{raw}` is not a number" + _how(raw))
        _check_digits(raw)
        value = Decimal(raw)
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
