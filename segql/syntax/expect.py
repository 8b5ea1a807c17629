"""What the grammar accepts after a piece of expression text, and how its keywords are spelt.

Read from grammar/segql.lark itself (its terminals, the `agg_func` rule, an LALR parser without a
transformer), so that completion offers a new keyword or aggregate without a change anywhere else.
Imports lark; used by segql.analysis.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Lark
from lark.exceptions import LarkError
from lark.lexer import Pattern, PatternRE, PatternStr

from segql.syntax.parser import grammar_path

_LOOKAHEAD = re.compile(r"\(\?!\[[^\]]*\]\)$")
_WORDS = re.compile(r"[a-z_]+(?: [a-z_]+)*")
_ALTERNATIVES = re.compile(r"\(([a-z_|]+)\)(s\?)?")
VALUE_TERMINALS = frozenset({"NAME", "NUMBER", "STRING", "PARAM", "DATE", "TIMESTAMP"})


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                maybe_placeholders=True, cache=True)


def _spellings(pattern: Pattern) -> tuple[str, ...]:
    """The words a keyword terminal matches (`in\\s+last(?!…)` → `in last`; `(day|week)s?` → day, days, …)."""
    if isinstance(pattern, PatternStr):
        return (pattern.value,) if pattern.value.isalpha() else ()
    if not isinstance(pattern, PatternRE) or "i" not in pattern.flags:
        return ()
    text = _LOOKAHEAD.sub("", pattern.value).replace(r"\s+", " ")
    if _WORDS.fullmatch(text):
        return (text,)
    found = _ALTERNATIVES.fullmatch(text)
    if found:
        words = found.group(1).split("|")
        plural = [w + "s" for w in words] if found.group(2) else []
        return tuple(words + plural)
    return ()


@lru_cache(maxsize=1)
def keywords() -> dict[str, tuple[str, ...]]:
    """Every keyword terminal of the grammar and its spellings, in lower case."""
    out: dict[str, tuple[str, ...]] = {}
    for terminal in _parser().terminals:
        if terminal.name in VALUE_TERMINALS:
            continue
        words = _spellings(terminal.pattern)
        if words:
            out[terminal.name] = words
    return out


@lru_cache(maxsize=1)
def keyword_words() -> frozenset[str]:
    """Every single word that is part of a keyword (`in`, `last`, `segment`, `count`, …)."""
    return frozenset(part for words in keywords().values() for word in words for part in word.split())


@lru_cache(maxsize=1)
def aggregate_terminals() -> frozenset[str]:
    """The terminals the grammar's `agg_func` rule is made of: the aggregate functions (`count`, `sum`, …)."""
    found: set[str] = set()
    for rule in _parser().rules:
        if rule.origin.name == "agg_func":
            found.update(symbol.name for symbol in rule.expansion if symbol.is_term)
    return frozenset(found)


def accepted(text: str) -> frozenset[str] | None:
    """The terminals the grammar accepts after `text` (`NAME`, `_AND`, `IN_LAST`, …), or None when `text` itself
    cannot start an expression (a syntax error before the end)."""
    try:
        interactive = _parser().parse_interactive(text)
        interactive.exhaust_lexer()
        return frozenset(interactive.accepts())
    except LarkError:
        return None
