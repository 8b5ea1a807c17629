"""SQL traits (DESIGN §3.14) checked for `segql validate`: each dialect's text must parse as one expression over the
customer row. Parsing needs sqlglot (~85 ms to import), so each verdict is remembered between runs, keyed by the
text, the dialect, sqlglot's version and the checking code itself: a project whose traits did not change is
validated without importing sqlglot. The compiler parses the text again whatever is remembered here.

Imports segql.schema and segql.diagnostics; segql.dialects.sql_traits (and so sqlglot) only for a text not seen yet.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from segql.diagnostics import Diagnostic
from segql.schema import Schema, Trait
from segql.source import NO_SPAN, Span

_CHECKER = Path(__file__).resolve().parent / "dialects" / "sql_traits.py"
_KEPT = 2000  # verdicts remembered (the oldest forgotten first)


def sql_trait_problems(schema: Schema, cache: Path | None = None) -> list[Diagnostic]:
    """Every SQL trait of the schema parsed for each dialect it is written for; E266 for each that fails. `cache`:
    the file remembering verdicts (default: one per user in the temporary folder, as Lark caches its grammar)."""
    path = cache if cache is not None else _default_cache()
    remembered = _load(path) if path is not None else {}
    problems: list[Diagnostic] = []
    learned = False
    for trait in schema.traits.values():
        for dialect, text in trait.sql:
            key = _key(dialect, text)
            if key is None or key not in remembered:
                verdict = _parse(text, dialect)
                if key is not None:
                    remembered[key] = verdict
                    learned = True
            else:
                verdict = remembered[key]
            if verdict is not None:
                message, start, end, hint = verdict
                problems.append(Diagnostic("E266", f"SQL trait `{trait.name}`: {message}",
                                           _span(trait, dialect, start, end), "here", hint))
    if learned and path is not None:
        _store(path, remembered)
    return problems


def _parse(text: str, dialect: str) -> list[Any] | None:
    """None when the text is a good trait for the dialect, else [message, start, end, hint]."""
    from segql.dialects.sql_traits import SqlTraitProblem, parse_sql_trait

    try:
        parse_sql_trait(text, dialect)
    except SqlTraitProblem as problem:
        return [problem.message, problem.start, problem.end, problem.hint]
    return None


@functools.cache
def _code_digest() -> str | None:
    """What a verdict depends on besides the text: the checking code and sqlglot's version (read from its files,
    without importing it); None when they can't be read (then nothing is remembered)."""
    try:
        spec = find_spec("sqlglot")
        if spec is None or spec.origin is None:
            return None
        version = Path(spec.origin).parent / "_version.py"
        digest = hashlib.sha256(_CHECKER.read_bytes())
        digest.update(version.read_bytes())
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest()


def _key(dialect: str, text: str) -> str | None:
    code = _code_digest()
    if code is None:
        return None
    return hashlib.sha256("\0".join((code, dialect, text)).encode("utf-8", "surrogatepass")).hexdigest()


def _default_cache() -> Path | None:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    try:
        return Path(tempfile.gettempdir()) / f"segql-sql-traits-{uid}.json"
    except OSError:
        return None


def _load(path: Path) -> dict[str, Any]:
    """The remembered verdicts; none from a file another user owns or that is not ours in shape."""
    try:
        if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and (v is None or _is_verdict(v))}


def _is_verdict(value: object) -> bool:
    return (isinstance(value, list) and len(value) == 4 and isinstance(value[0], str) and isinstance(value[3], str)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in value[1:3]))


def _store(path: Path, remembered: dict[str, Any]) -> None:
    """Write the verdicts (the newest _KEPT) atomically; a folder that can't be written just remembers nothing."""
    kept = dict(list(remembered.items())[-_KEPT:])
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".segql-sql-traits-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(kept, out)
        os.replace(temporary, path)
    except OSError:
        return


def _span(trait: Trait, dialect: str, start: int, end: int) -> Span:
    """The position of text[start:end] of one dialect's SQL inside schema.yml."""
    offsets = dict(trait.sql_offsets).get(dialect)
    source = trait.span.source
    if offsets is None or source is None:
        return trait.span if trait.span.source is not None else NO_SPAN
    start = min(max(start, 0), len(offsets) - 1)
    end = min(max(end, start + 1), len(offsets) - 1)
    return Span(source, offsets[start], offsets[end - 1] + 1 if end > start else offsets[start])
