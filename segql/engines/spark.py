"""The Spark engines: `type: spark`, a local session (`master: local[*]`) or a Spark Connect server
(`remote: sc://host:15002`) through pyspark; and `type: databricks`, a SQL warehouse or cluster through
databricks-sql-connector (`host`, `http_path`, `token`, the token from the environment). Both speak Spark SQL.

Imports pyspark or databricks.sql only when such a target is opened; imports no sqlglot. Never puts a token in a
message. Only single SELECT statements are sent; segql does not write to these targets (materialize, snapshot: E405).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.engines.snowflake import not_a_single_select
from segql.project import Target, redact

SPARK_SETTINGS = ("master", "remote", "app_name")
DATABRICKS_SETTINGS = ("host", "http_path", "token", "catalog", "schema")
SECRET_SETTINGS = ("token",)
DEFAULT_MASTER = "local[*]"
# A session segql starts reads plain TIMESTAMP (instant) columns in UTC, like the naive TIMESTAMP_NTZ it compiles to.
SESSION_CONF = {"spark.sql.session.timeZone": "UTC"}


class _SparkSql:
    """What both engines share: the read-only guard, the error messages without secrets."""

    dialect = "spark"
    target: Target
    secrets: list[str]

    def _error(self, code: str, message: str, label: str, hint: str) -> DiagnosticError:
        message = redact(message, self.secrets)
        return DiagnosticError([Diagnostic(code, message, self.target.span, label, hint)])

    def _connect_error(self, message: str, hint: str) -> DiagnosticError:
        return self._error("E402", f"target `{self.target.name}`: {message}", "cannot connect", hint)

    def _checked(self, sql: str, params: Sequence[Any] = ()) -> None:
        if params:  # the dialect binds none (its strings are literals, escaped by sqlglot)
            raise RuntimeError("the Spark engines take no bound parameters")
        refused = not_a_single_select(sql)
        if refused:
            raise self._error("E403", f"segql only reads from target `{self.target.name}`: {refused}", "query failed",
                              "run and count send one SELECT statement")

    def _failed(self, err: Exception) -> DiagnosticError:
        return self._error("E403", f"the query failed on target `{self.target.name}`: {_first_line(err)}",
                           "query failed", "check that the tables and columns of schema.yml exist in the target")

    def _check_settings(self, settings: dict[str, str], known: tuple[str, ...]) -> None:
        unknown = [k for k in settings if k not in known]
        if unknown:
            hint = did_you_mean(unknown[0], known)
            raise self._connect_error(f"unknown setting `{unknown[0]}` for a {self.target.type} target",
                                      hint or "settings: " + ", ".join(known))

    def _refuse_writes(self, write: bool) -> None:
        if write:
            raise self._error("E405", f"target `{self.target.name}` is a {self.target.type} target, where segql "
                              "only reads for now", f"{self.target.type} target",
                              "materialize or snapshot into a duckdb or postgres target")


class SparkEngine(_SparkSql):
    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        self.secrets = target.secrets()
        self._refuse_writes(write)
        self._check_settings(settings, SPARK_SETTINGS)
        if "master" in settings and "remote" in settings:
            raise self._connect_error("a spark target has a `master` (a session of its own) or a `remote` (Spark "
                                      "Connect), not both", "keep one of them")
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise self._error("E405", f"target `{target.name}` needs pyspark, which is not installed",
                              "spark target", "pip install 'segql[spark]' (a local session also needs Java 17)") from None
        builder: Any = SparkSession.builder.appName(settings.get("app_name", "segql"))
        remote = settings.get("remote")
        builder = builder.remote(remote) if remote else builder.master(settings.get("master", DEFAULT_MASTER))
        try:
            for key, value in SESSION_CONF.items():
                builder = builder.config(key, value)
            self.session = builder.getOrCreate()
        except Exception as err:  # pyspark raises from py4j, grpc and its own modules
            where = self.target.shown(("remote", "master")) or f"master={DEFAULT_MASTER}"  # as written
            raise self._connect_error(f"cannot start a Spark session ({where}): {_first_line(err)}",
                                      "check the Spark Connect URL, or that Java 17 is installed for a local "
                                      "session") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        self._checked(sql, params)
        try:
            frame = self.session.sql(sql)
            rows = frame.collect()
        except Exception as err:
            raise self._failed(err) from None
        return list(frame.columns), [tuple(row) for row in rows]

    def columns(self, table: tuple[str, ...]) -> list[str] | None:
        """The columns of a table or view (in order), or None when there is none of that name."""
        name = ".".join("`" + part.replace("`", "``") + "`" for part in table)
        try:
            if not self.session.catalog.tableExists(name):
                return None
            return list(self.session.table(name).columns)
        except Exception as err:
            raise self._failed(err) from None

    def close(self) -> None:
        pass  # the session may serve others in this process (pyspark keeps one per process)


class DatabricksEngine(_SparkSql):
    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        self.secrets = [settings[k] for k in SECRET_SETTINGS if settings.get(k)] + target.secrets()
        self._refuse_writes(write)
        self._check_settings(settings, DATABRICKS_SETTINGS)
        missing = [k for k in ("host", "http_path", "token") if not settings.get(k)]
        if missing:
            raise self._connect_error(f"a databricks target needs `{missing[0]}`",
                                      "host: the workspace host, http_path: the SQL warehouse's HTTP path, "
                                      "token: \"${DATABRICKS_TOKEN}\" (from the environment)")
        try:
            from databricks import sql as databricks_sql
        except ImportError:
            raise self._error("E405", f"target `{target.name}` needs databricks-sql-connector, which is not "
                              "installed", "databricks target", "pip install 'segql[databricks]'") from None
        params = {"server_hostname": settings["host"], "http_path": settings["http_path"],
                  "access_token": settings["token"]}
        params.update({k: settings[k] for k in ("catalog", "schema") if settings.get(k)})
        try:
            self.connection = databricks_sql.connect(**params)
        except Exception as err:
            raise self._connect_error(f"cannot connect to Databricks ({self.target.shown(('host',))}): "
                                      f"{_first_line(err)}", "check the host, the HTTP path and the token") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        self._checked(sql, params)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                columns = [d[0] for d in cursor.description or []]
                rows = [tuple(r) for r in cursor.fetchall()] if cursor.description else []
        except Exception as err:
            raise self._failed(err) from None
        return columns, rows

    def close(self) -> None:
        self.connection.close()


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
