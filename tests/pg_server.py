"""A throwaway PostgreSQL server for the test suite, and a loader copying DuckDB tables into it.

`SEGQL_TEST_PG_DSN` names an existing server instead (its user must be allowed to create databases).
Otherwise Debian's PostgreSQL binaries (installed with apt-get when missing and running as root) start
a private cluster in a temporary folder: trust auth, 127.0.0.1 and a unix socket in that folder only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ENV_DSN = "SEGQL_TEST_PG_DSN"
DEBIAN_PACKAGE = "postgresql"  # the Debian meta-package: postgresql-15 on bookworm
SERVER_USER = "postgres"  # the OS user running initdb and the server when the tests run as root
DATABASE = "segql_test"


class ServerUnavailable(Exception):
    """PostgreSQL could not be found, installed or started; the message says why."""


@dataclass(slots=True)
class Server:
    dsn: str
    version: str  # server_version, e.g. "15.18 (Debian 15.18-0+deb12u1)"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's /usr/lib/postgresql/<major>/bin, newest major first."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for package in ("postgresql-15",):
        listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False) \
            if shutil.which("dpkg") else None
        if listed is not None and listed.returncode == 0:
            candidates += [Path(line).parent for line in listed.stdout.splitlines() if line.endswith("/bin/initdb")]
    which = shutil.which("initdb")
    if which:
        candidates.append(Path(which).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def install_debian_postgres() -> None:
    """apt-get the server package; raises ServerUnavailable with apt's last words when that fails."""
    if not is_root():
        raise ServerUnavailable("PostgreSQL binaries (initdb, pg_ctl) are not installed and the tests do not run "
                                f"as root; install them (`apt-get install {DEBIAN_PACKAGE}`) or set {ENV_DSN}")
    if not shutil.which("apt-get"):
        raise ServerUnavailable(f"PostgreSQL is not installed and there is no apt-get; set {ENV_DSN}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", DEBIAN_PACKAGE]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ServerUnavailable(f"`{' '.join(command)}` failed (exit {done.returncode}): " + " | ".join(tail))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_version(dsn: str) -> str:
    try:
        import psycopg
    except ImportError:
        raise ServerUnavailable("psycopg is not installed: pip install -e '.[test,postgres]'") from None
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as con:
            row = con.execute("SHOW server_version").fetchone()
    except psycopg.Error as err:
        raise ServerUnavailable(f"cannot connect to the test server: {str(err).strip().splitlines()[0]}") from None
    return str(row[0]) if row else "?"


@contextmanager
def postgres_server() -> Iterator[Server]:
    """The server for this test session: the one named by SEGQL_TEST_PG_DSN, or a private one started here."""
    given = os.environ.get(ENV_DSN)
    if given:
        yield Server(given, server_version(given))
        return
    with private_server() as dsn:
        yield Server(dsn, server_version(dsn))


class Cluster:
    """A private PostgreSQL cluster in a temporary folder: made by initdb, started and stopped at will (the fault
    tests stop one in the middle of a run), removed with its folder by `remove`."""

    def __init__(self, *initdb: str, durable: bool = False) -> None:
        self.durable = durable
        bin_dir = find_bin_dir()
        if bin_dir is None:
            install_debian_postgres()
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise ServerUnavailable(f"installed `{DEBIAN_PACKAGE}` but found no initdb under /usr/lib/postgresql")
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="segql-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        self.port = 0
        self.running = False
        if is_root():  # initdb refuses to run as root: the cluster belongs to the postgres user
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
            self.as_user = ["runuser", "-u", SERVER_USER, "--"]
        self.run(str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync", *initdb)

    def run(self, *command: str, preexec: Callable[[], None] | None = None) -> None:
        done = subprocess.run([*self.as_user, *command], cwd=self.folder, capture_output=True, text=True,
                              check=False, preexec_fn=preexec)
        if done.returncode != 0:
            log = self.folder / "server.log"
            extra = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise ServerUnavailable(f"`{Path(command[0]).name} {command[1]}…` failed (exit {done.returncode}): "
                                    f"{(done.stderr or done.stdout).strip()[-800:]} {extra}".strip())

    def start(self, preexec: Callable[[], None] | None = None) -> None:
        """Start the server (on its first start, at a free port); `preexec` runs in the server's process first
        (to set a resource limit it and its backends inherit, say)."""
        # Quick rather than safe against power loss; but a cluster that is stopped abruptly (`durable`) must keep
        # what was committed, so its commits wait for the WAL.
        commits = "" if self.durable else " -c synchronous_commit=off"
        for attempt in range(3):  # another process may take the free port between probing and listening
            port = self.port or free_port()
            options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                       f"-c fsync=off -c full_page_writes=off{commits}")
            try:
                self.run(str(self.bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                         "-l", str(self.folder / "server.log"), "-o", options, preexec=preexec)
                self.port, self.running = port, True
                return
            except ServerUnavailable:
                if attempt == 2 or self.port:
                    raise

    def stop(self, mode: str = "immediate") -> None:
        if self.running:
            subprocess.run([*self.as_user, str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode,
                            "-w"], cwd=self.folder, capture_output=True, check=False)
            self.running = False

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_server() -> Iterator[str]:
    cluster = Cluster()
    try:
        cluster.start()
        create_database(cluster.dsn(), DATABASE)
        yield cluster.dsn(DATABASE)
    finally:
        cluster.remove()


def create_database(dsn: str, name: str) -> str:
    """A new, empty database on the server of `dsn` (replacing one of that name); returns its DSN."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        con.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    return make_conninfo(dsn, dbname=name)


# DuckDB column types → PostgreSQL; DECIMAL(p,s) keeps its precision and scale.
PG_TYPES = {
    "BOOLEAN": "boolean", "TINYINT": "smallint", "SMALLINT": "smallint", "INTEGER": "integer", "BIGINT": "bigint",
    "FLOAT": "real", "DOUBLE": "double precision", "VARCHAR": "text", "DATE": "date",
    "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "TIME": "time",
}


def pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL"):].replace(" ", "")
    if duckdb_type not in PG_TYPES:
        raise ValueError(f"no PostgreSQL type for DuckDB's {duckdb_type}")
    return PG_TYPES[duckdb_type]


def copy_duckdb(duckdb_path: Path, dsn: str, schemas: Iterable[str]) -> dict[str, int]:
    """Copy every table of `schemas` from a DuckDB file into PostgreSQL (schemas replaced), with COPY.

    Returns the number of rows copied per table (`schema.table`).
    """
    import duckdb
    import psycopg
    from psycopg import sql

    source = duckdb.connect(str(duckdb_path), read_only=True)
    copied: dict[str, int] = {}
    try:
        wanted = list(schemas)
        columns = source.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema IN (SELECT unnest(?)) ORDER BY table_schema, table_name, ordinal_position",
            [wanted]).fetchall()
        tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, kind in columns:
            tables.setdefault((schema, table), []).append((column, pg_type(kind)))
        with psycopg.connect(dsn) as target:
            for schema in wanted:
                target.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
                target.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for (schema, table), cols in tables.items():
                name = sql.Identifier(schema, table)
                target.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in cols)))
                column_list = sql.SQL(", ").join(sql.Identifier(c) for c, _ in cols)
                result = source.execute(f'SELECT * FROM "{schema}"."{table}"')  # names from DuckDB's catalogue
                count = 0
                with target.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(name, column_list)) as copy:
                    while batch := result.fetchmany(10_000):
                        for row in batch:
                            copy.write_row(row)
                        count += len(batch)
                copied[f"{schema}.{table}"] = count
            for schema, table in tables:
                target.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, table)))
    finally:
        source.close()
    return copied
