"""The PostgreSQL engine: runs compiled SELECTs through psycopg 3, each in a read-only transaction (and, opened
with write=True for materialize and snapshot only, statements inside one explicit transaction()).

Every statement goes alone through the extended protocol (one command per call, whatever its text holds), with
its string values as bound parameters where it has them; the session reads strings as the SQL standard does
(standard_conforming_strings on) and talks UTF-8, whatever the server, database, role or target settings say.

Imports psycopg, and only when a postgres target is opened; imports no sqlglot. Never puts a password in a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.project import Target, redact

# Settings a postgres target may have besides `dsn`; each is a libpq connection parameter of the same name.
CONNECTION_SETTINGS = ("host", "port", "user", "password", "dbname", "sslmode", "connect_timeout", "options",
                       "application_name")
SEGQL_SETTINGS = ("schema",)  # read by segql (the write schema of materialize and snapshot), not by libpq
DEFAULT_CONNECT_TIMEOUT = "10"  # seconds: an unreachable host is an error, not a hang
# Session settings segql's SQL relies on, sent after the target's own `options` (so they win over those, and over
# settings of the server, database and role): with standard_conforming_strings off a backslash in '…' escapes the
# next character, and in a client encoding such as SJIS or BIG5 a backslash may be the second byte of a character.
FORCED_SETTINGS = {"standard_conforming_strings": "on", "client_encoding": "UTF8"}


class PostgresEngine:
    dialect = "postgres"

    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        self.writable = write
        self.in_transaction = False
        psycopg = _import_psycopg(target)
        params = self._connection_params(psycopg, settings)
        self.secrets = [*target.secrets(), *(v for k, v in params.items() if k == "password" and v),
                        *self._from_environment(psycopg, params)]
        try:
            self.connection = psycopg.connect(**params)
        except psycopg.Error as err:
            raise self._connect_error(f"cannot connect to PostgreSQL ({self._shown_settings(psycopg)}): "
                                      f"{self._redact(_first_line(err))}", "check the server, the settings and "
                                      "the credentials in the environment") from None
        self._check_forced_settings(psycopg)
        # Each query is one statement in its own transaction, begun READ ONLY and rolled back after:
        # run and count only ever SELECT.
        self.connection.read_only = not write

    def _from_environment(self, psycopg: Any, params: dict[str, str]) -> list[str]:
        """The connection values a `${VAR}` gave (a DSN from the environment holds host, user, database…): the
        driver's messages quote them, and they are shown as `***`."""
        raw = self.target.settings
        if "${" not in raw.get("dsn", ""):
            return [params[k] for k in CONNECTION_SETTINGS if "${" in raw.get(k, "") and params.get(k)]
        return [v for k, v in params.items() if k not in ("connect_timeout", "options", "client_encoding") and v]

    def _shown_settings(self, psycopg: Any) -> str:
        """Where segql tried to connect, in the settings as written in segql.yml: `${VAR}` names, never values."""
        raw = self.target.settings
        shown = []
        dsn = raw.get("dsn", "")
        if "${" in dsn:
            shown.append(f"dsn={dsn}")
        elif dsn:
            parsed = psycopg.conninfo.conninfo_to_dict(dsn)
            shown += [f"{k}={parsed[k]}" for k in ("host", "port", "dbname", "user") if parsed.get(k)]
        written = self.target.shown(("host", "port", "dbname", "user"))
        return " ".join([*shown, written]).strip() or "libpq defaults"

    def _redact(self, text: str) -> str:
        return _redact(text, self.secrets)

    def _check_forced_settings(self, psycopg: Any) -> None:
        """Refuse a session that did not take FORCED_SETTINGS (a server ignoring the startup options, say)."""
        names = list(FORCED_SETTINGS)
        try:
            with psycopg.RawCursor(self.connection) as cursor:
                cursor.execute("SELECT " + ", ".join(f"current_setting(${i + 1})" for i in range(len(names))), names)
                row = cursor.fetchone()
            self.connection.rollback()
        except psycopg.Error as err:
            self.connection.close()
            raise self._connect_error(f"cannot read the session's settings: {self._redact(_first_line(err))}",
                                      "check the server and the target's settings") from None
        wrong = [f"{n} is {v}" for n, v in zip(names, row or (), strict=False)
                 if str(v).upper().replace("-", "") != FORCED_SETTINGS[n].upper()]
        if not wrong and row is not None:
            self._builtins_first(psycopg)
        if wrong or row is None:
            self.connection.close()
            raise self._connect_error(
                f"the session kept settings segql cannot write safe SQL under ({', '.join(wrong)})",
                "segql sets " + ", ".join(f"{k}={v}" for k, v in FORCED_SETTINGS.items())
                + " when it connects; check what the server (or a pooler before it) does with connection options")

    def _builtins_first(self, psycopg: Any) -> None:
        """Put pg_catalog first in the session's search_path (after its own entries otherwise: unqualified tables
        resolve as the target says). A path naming another schema before pg_catalog (`-c search_path=evil,
        pg_catalog`) would otherwise have segql's LOWER, COALESCE or `=` resolve to functions and operators of that
        schema, run with the rights of a session that may write (CVE-2018-1058's pattern)."""
        try:
            with psycopg.RawCursor(self.connection) as cursor:
                cursor.execute("SELECT current_setting('search_path')")
                path = str(cursor.fetchone()[0])
                if path.split(",")[0].strip().strip('"') != "pg_catalog":
                    cursor.execute("SELECT set_config('search_path', $1, false)",
                                   ["pg_catalog, " + path if path.strip() else "pg_catalog"])
            self.connection.commit()  # a session setting: it outlives the transaction that set it
        except psycopg.Error as err:
            self.connection.close()
            raise self._connect_error(f"cannot set the session's search_path: {self._redact(_first_line(err))}",
                                      "check the target's `options` and the role's settings") from None

    def _connection_params(self, psycopg: Any, settings: dict[str, str]) -> dict[str, str]:
        settings = {k: v for k, v in settings.items() if k not in SEGQL_SETTINGS}
        unknown = [k for k in settings if k != "dsn" and k not in CONNECTION_SETTINGS]
        if unknown:
            hint = did_you_mean(unknown[0], ("dsn", *CONNECTION_SETTINGS))
            raise self._connect_error(f"unknown setting `{unknown[0]}` for a postgres target",
                                      hint or "settings: dsn, " + ", ".join(CONNECTION_SETTINGS))
        try:
            # The DSN is parsed here, not echoed: libpq's parse errors quote the text around the mistake,
            # which may be a password.
            params: dict[str, str] = psycopg.conninfo.conninfo_to_dict(settings.get("dsn", ""))
        except psycopg.Error:
            raise self._connect_error("the `dsn` setting is not a valid PostgreSQL connection string",
                                      "write `host=… port=… dbname=… user=…` or "
                                      "`postgresql://user@host:port/dbname`") from None
        params.update({k: v for k, v in settings.items() if k != "dsn"})
        params.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
        forced = " ".join(f"-c {k}={v}" for k, v in FORCED_SETTINGS.items())
        params["options"] = f"{params['options']} {forced}" if params.get("options") else forced
        params["client_encoding"] = FORCED_SETTINGS["client_encoding"]
        return {k: str(v) for k, v in params.items()}

    def _connect_error(self, message: str, hint: str) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E402", f"target `{self.target.name}`: {message}", self.target.span,
                                           "cannot connect", hint)])

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows of one SELECT; `params` are the values of its placeholders $1, $2…"""
        import psycopg

        try:
            with psycopg.RawCursor(self.connection) as cursor:
                # A prepared statement holds exactly one command, so `COMMIT; …` cannot leave the read-only
                # transaction; a raw cursor reads no `%s` placeholders (only the server's $1), so `%` stays `%`.
                cursor.execute(sql.encode(), list(params) or None, prepare=True)
                columns = [c.name for c in cursor.description or []]
                rows = cursor.fetchall() if cursor.description else []
        except psycopg.Error as err:
            raise DiagnosticError([Diagnostic("E403", f"the query failed on target `{self.target.name}`: "
                                              f"{self._redact(_first_line(err))}", self.target.span, "query failed",
                                              "check that the tables and columns of schema.yml exist in the target")
                                   ]) from None
        finally:
            if not self.connection.closed and not self.in_transaction:
                self.connection.rollback()
        return columns, rows

    def columns(self, table: tuple[str, ...]) -> list[str] | None:
        """The columns of a table or view (in order), or None when there is none of that name. Names are read as
        the compiler writes them: plain lower- or upper-case names fold to lower case, others are exact."""
        import psycopg

        regclass = ".".join('"' + _folded(part).replace('"', '""') + '"' for part in table)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass(%s) "
                               "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [regclass])
                names = [row[0] for row in cursor.fetchall()]
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [regclass])
                exists = bool(cursor.fetchone()[0])
        except psycopg.Error as err:
            raise DiagnosticError([Diagnostic("E403", f"the query failed on target `{self.target.name}`: "
                                              f"{self._redact(_first_line(err))}", self.target.span, "query failed")]) from None
        finally:
            if not self.connection.closed and not self.in_transaction:
                self.connection.rollback()
        return names if exists else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for the statements execute() runs in it: committed at the end, rolled back on any error."""
        import psycopg

        if not self.writable or self.in_transaction:
            raise RuntimeError("transaction() needs an engine opened for writing and no transaction already open")
        self.connection.rollback()  # start from a clean state: the transaction below is the only one
        self.in_transaction = True
        try:
            with self.connection.transaction():
                yield
        except psycopg.Error as err:  # the COMMIT itself failed
            raise self._statement_error(err) from None
        finally:
            self.in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns no rows (its placeholders $1, $2… take `params`); only inside
        transaction()."""
        import psycopg

        if not self.in_transaction:
            raise RuntimeError("execute() runs only inside transaction()")
        try:
            with psycopg.RawCursor(self.connection) as cursor:
                # binary=True makes psycopg use the extended protocol even without parameters: the server then
                # takes exactly one command (the simple protocol would run `…; DROP …` as two).
                cursor.execute(sql.encode(), list(params) or None, prepare=False, binary=True)
        except psycopg.Error as err:
            raise self._statement_error(err) from None

    def _statement_error(self, err: Exception) -> DiagnosticError:
        return DiagnosticError([Diagnostic("E403", f"a statement failed on target `{self.target.name}`: "
                                           f"{self._redact(_first_line(err))}", self.target.span, "statement failed")])

    def close(self) -> None:
        self.connection.close()


def _import_psycopg(target: Target) -> Any:
    try:
        import psycopg
        import psycopg.conninfo
    except ImportError:
        raise DiagnosticError([Diagnostic("E405", f"target `{target.name}` needs the PostgreSQL driver psycopg, "
                                          "which is not installed", target.span, "postgres target",
                                          "pip install 'segql[postgres]'")]) from None
    return psycopg


def _folded(name: str) -> str:
    return name.lower() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name in (name.lower(), name.upper()) \
        else name


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _redact(text: str, secrets: list[str]) -> str:
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", redact(text, secrets), flags=re.IGNORECASE)
