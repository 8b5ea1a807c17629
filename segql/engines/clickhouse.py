"""The ClickHouse engine: a server through clickhouse-connect (`host:`), or the embedded chdb (`path:`), both opened
read-only (ClickHouse's `readonly = 2`: reads only, and the SETTINGS clause segql's SQL carries is allowed).

Imports clickhouse_connect or chdb, and only when a clickhouse target is opened; imports no sqlglot. Never puts a
password in a message. ClickHouse has no transactions, so segql does not write to it (materialize, snapshot: E405).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.engines.snowflake import not_a_single_select
from segql.project import Target, redact

# A server's settings, each a clickhouse_connect.get_client() argument of the same name; or `path` for chdb.
CONNECTION_SETTINGS = ("host", "port", "username", "password", "database", "secure", "connect_timeout",
                       "send_receive_timeout")
EMBEDDED_SETTINGS = ("path",)
INTEGER_SETTINGS = ("port", "connect_timeout", "send_receive_timeout")
DEFAULT_CONNECT_TIMEOUT = 10  # seconds: an unreachable server is an error, not a hang
READ_ONLY = 2  # ClickHouse's `readonly`: 1 would also refuse the SETTINGS clause of every query


class ClickHouseEngine:
    dialect = "clickhouse"

    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        if write:
            raise DiagnosticError([Diagnostic(
                "E405", f"target `{target.name}` is a clickhouse target, which has no transactions to replace a "
                "view or a day's snapshot all at once; segql only reads from it", target.span, "clickhouse target",
                "materialize or snapshot into a duckdb or postgres target")])
        self.secrets = [v for k, v in settings.items() if k == "password" and v] + target.secrets()
        unknown = [k for k in settings if k not in (*CONNECTION_SETTINGS, *EMBEDDED_SETTINGS)]
        if unknown:
            hint = did_you_mean(unknown[0], (*CONNECTION_SETTINGS, *EMBEDDED_SETTINGS))
            raise self._connect_error(f"unknown setting `{unknown[0]}` for a clickhouse target",
                                      hint or "settings: path (embedded chdb), or " + ", ".join(CONNECTION_SETTINGS))
        if "path" in settings:
            if set(settings) - {"path"}:
                raise self._connect_error("a clickhouse target has either `path` (embedded chdb) or `host`, not both",
                                          "remove the server settings, or the `path`")
            self.connection = _open_chdb(self, settings["path"], root)
            self.embedded = True
            return
        if not settings.get("host"):
            raise self._connect_error("a clickhouse target needs a `host` (a server) or a `path` (embedded chdb)",
                                      "e.g. `host: clickhouse.internal` or `path: data/clickhouse`")
        self.embedded = False
        self.connection = _connect_server(self, settings)

    def _connect_error(self, message: str, hint: str) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E402", f"target `{self.target.name}`: {self._redact(message)}",
                                           self.target.span, "cannot connect", hint)])

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        if params:  # the dialect binds none (its strings are literals, escaped by sqlglot)
            raise RuntimeError("the ClickHouse engine takes no bound parameters")
        refused = not_a_single_select(sql)
        if refused:
            raise self._query_error(f"segql only reads from target `{self.target.name}`: {refused}")
        try:
            if self.embedded:
                # A cursor per query: after a query that failed while running, chdb's next result on the same
                # cursor starts with the failed one's partial output.
                cursor = self.connection.cursor()
                try:
                    cursor.execute(sql)
                    columns = [d[0] for d in cursor.description or []]
                    rows = [tuple(r) for r in cursor.fetchall()] if cursor.description else []
                finally:
                    cursor.close()
                return columns, rows
            result = self.connection.query(sql)
            return list(result.column_names), [tuple(r) for r in result.result_rows]
        except Exception as err:  # chdb and clickhouse-connect raise their own classes, from several modules
            if not _is_driver_error(err):
                raise
            raise self._query_error(f"the query failed on target `{self.target.name}`: {_first_line(err)}") from None

    def columns(self, table: tuple[str, ...]) -> list[str] | None:
        """The columns of a table or view (in order), or None when there is none of that name (names are exact:
        ClickHouse's are case-sensitive)."""
        database = _literal(table[-2]) if len(table) >= 2 else "currentDatabase()"
        _, rows = self.query(f"SELECT name FROM system.columns WHERE database = {database} AND table = "
                             f"{_literal(table[-1])} ORDER BY position")
        return [str(r[0]) for r in rows] or None

    def _query_error(self, message: str) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E403", self._redact(message), self.target.span, "query failed",
                                           "check that the tables and columns of schema.yml exist in the target")])

    def close(self) -> None:
        self.connection.close()


def _open_chdb(engine: ClickHouseEngine, path: str, root: Path) -> Any:
    try:
        import chdb
    except ImportError:
        raise _missing(engine.target, "the embedded ClickHouse chdb", "segql[chdb]") from None
    if path != ":memory:":
        folder = Path(path) if Path(path).is_absolute() else root / path
        if not folder.is_dir():
            raise engine._connect_error(f"the chdb folder `{engine.target.settings['path']}` does not exist",
                                        "create it with chdb first, or use `path: ':memory:'`")
        path = str(folder)
    try:
        return chdb.connect(f"{path}?readonly={READ_ONLY}")
    except Exception as err:  # chdb raises RuntimeError subclasses
        raise engine._connect_error(f"cannot open chdb at `{engine.target.settings['path']}`: {_first_line(err)}",
                                    "one process opens one chdb folder") from None


def _connect_server(engine: ClickHouseEngine, settings: dict[str, str]) -> Any:
    try:
        import clickhouse_connect
    except ImportError:
        raise _missing(engine.target, "the ClickHouse driver clickhouse-connect", "segql[clickhouse]") from None
    params: dict[str, Any] = dict(settings)
    for key in INTEGER_SETTINGS:
        if key in params:
            if not params[key].isdigit():
                raise engine._connect_error(f"the `{key}` setting must be a whole number", f"e.g. `{key}: 10`")
            params[key] = int(params[key])
    if "secure" in params:
        params["secure"] = params["secure"].lower() in ("true", "yes", "1")
    params.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    try:
        return clickhouse_connect.get_client(**params, settings={"readonly": READ_ONLY})
    except Exception as err:
        if not _is_driver_error(err):
            raise
        where = engine.target.shown(("host", "port", "username", "database"))  # as written: `${VAR}`, not its value
        raise engine._connect_error(f"cannot connect to ClickHouse ({where}): {_first_line(err)}",
                                    "check the server, the settings and the credentials in the environment") from None


def _is_driver_error(err: Exception) -> bool:
    module = type(err).__module__ or ""
    return module.startswith(("chdb", "clickhouse_connect", "urllib3", "requests")) or isinstance(err, RuntimeError | OSError)


def _missing(target: Target, what: str, extra: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic("E405", f"target `{target.name}` needs {what}, which is not installed",
                                       target.span, "clickhouse target", f"pip install '{extra}'")])


def _literal(text: str) -> str:
    """A ClickHouse string literal (a backslash is an escape character there)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
