"""The Snowflake engine: runs compiled SELECTs through snowflake-connector-python, one statement per request.

Imports snowflake.connector, and only when a snowflake target is opened; imports no sqlglot. Never puts a password
or a key passphrase in a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.project import Target, redact

# Settings a snowflake target may have; each is a snowflake.connector.connect() argument of the same name.
CONNECTION_SETTINGS = ("account", "user", "password", "database", "schema", "warehouse", "role", "authenticator",
                       "private_key_file", "private_key_file_pwd", "host", "port", "protocol", "login_timeout")
SECRET_SETTINGS = ("password", "private_key_file_pwd")
INTEGER_SETTINGS = ("port", "login_timeout")
DEFAULT_LOGIN_TIMEOUT = 30  # seconds: an unreachable account is an error, not a hang

# Snowflake has no read-only session: run and count send only what reads as one SELECT (checked here, before
# sending), and each request declares one statement (num_statements=1), so the server refuses a second one too.
_SCANNED = re.compile(r"""'(?:[^'\\]|\\.|'')*'?|"(?:[^"]|"")*"?|\$\$.*?(?:\$\$|\Z)|--[^\n]*|//[^\n]*|/\*.*?(?:\*/|\Z)"""
                      r"|;|[A-Za-z_][A-Za-z0-9_$]*|.", re.DOTALL)


class SnowflakeEngine:
    dialect = "snowflake"

    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        if write:
            raise DiagnosticError([Diagnostic("E405", f"target `{target.name}` is a snowflake target, where segql "
                                              "only reads for now", target.span, "snowflake target",
                                              "materialize or snapshot into a duckdb or postgres target")])
        params = self._connection_params(settings)
        connector = _import_connector(target)
        self.secrets = [*target.secrets(), *(str(params[k]) for k in SECRET_SETTINGS if params.get(k))]
        try:
            self.connection = connector.connect(**params)
        except connector.Error as err:
            where = target.shown(("account", "host", "user", "database"))  # as written: `${VAR}`, not its value
            raise self._connect_error(f"cannot connect to Snowflake ({where}): {self._first_line(err)}",
                                      "check the account, the settings and the credentials in the environment"
                                      ) from None

    def _connection_params(self, settings: dict[str, str]) -> dict[str, Any]:
        unknown = [k for k in settings if k not in CONNECTION_SETTINGS]
        if unknown:
            hint = did_you_mean(unknown[0], CONNECTION_SETTINGS)
            raise self._connect_error(f"unknown setting `{unknown[0]}` for a snowflake target",
                                      hint or "settings: " + ", ".join(CONNECTION_SETTINGS))
        if not settings.get("account"):
            raise self._connect_error("a snowflake target needs an `account`",
                                      "the account identifier, e.g. `myorg-myaccount`")
        params: dict[str, Any] = dict(settings)
        for key in INTEGER_SETTINGS:
            if key in params:
                if not params[key].isdigit():
                    raise self._connect_error(f"the `{key}` setting must be a whole number", f"e.g. `{key}: 30`")
                params[key] = int(params[key])
        params.setdefault("login_timeout", DEFAULT_LOGIN_TIMEOUT)
        return params

    def _connect_error(self, message: str, hint: str) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E402", f"target `{self.target.name}`: {message}", self.target.span,
                                           "cannot connect", hint)])

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        import snowflake.connector

        if params:  # the dialect binds none (its strings are literals, escaped by sqlglot)
            raise RuntimeError("the Snowflake engine takes no bound parameters")

        refused = not_a_single_select(sql)
        if refused:
            raise self._query_error(f"segql only reads from target `{self.target.name}`: {refused}",
                                    "run and count send one SELECT statement")
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, num_statements=1)
            description = cursor.description
            columns = [d[0] for d in description or []]
            rows = [tuple(row) for row in cursor.fetchall()] if description else []
        except snowflake.connector.Error as err:
            raise self._query_error(f"the query failed on target `{self.target.name}`: {self._first_line(err)}",
                                    "check that the tables and columns of schema.yml exist in the target, "
                                    "and that the role may read them") from None
        finally:
            cursor.close()
        return columns, rows

    def _query_error(self, message: str, hint: str) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E403", message, self.target.span, "query failed", hint)])

    def _first_line(self, err: Exception) -> str:
        text = str(err).strip()
        line = text.splitlines()[0] if text else type(err).__name__
        return redact(line, self.secrets)

    def close(self) -> None:
        self.connection.close()


def not_a_single_select(sql: str) -> str | None:
    """Why `sql` is not one SELECT (or WITH … SELECT) statement, or None; strings, quoted names and comments
    are skipped, so a `;` or a keyword inside them counts for nothing."""
    words: list[str] = []
    ended = False
    for token in _SCANNED.findall(sql):
        if token.startswith(("--", "//", "/*")) or token.isspace():
            continue
        if ended:
            return "it holds more than one statement"
        if token == ";":
            ended = True
        elif token[0].isalpha() or token[0] == "_":
            words.append(token.upper())
    if not words or words[0] not in ("SELECT", "WITH"):
        return f"it is not a SELECT statement (it begins with {words[0] if words else 'nothing'})"
    if "PROCEDURE" in words:  # WITH p AS PROCEDURE … CALL p(): an anonymous procedure may write
        return "it declares a procedure"
    return None


def _import_connector(target: Target) -> Any:
    try:
        import snowflake.connector
    except ImportError:
        raise DiagnosticError([Diagnostic("E405", f"target `{target.name}` needs the Snowflake driver "
                                          "snowflake-connector-python, which is not installed", target.span,
                                          "snowflake target", "pip install 'segql[snowflake]'")]) from None
    return snowflake.connector
