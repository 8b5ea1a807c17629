"""Secrets never reach output, diagnostics or tracebacks (DESIGN §2.1): messages quote settings as written in
segql.yml (`${VAR}`), and a value from the environment found in a driver's message is shown as `***`.

Issue 12, item 12: DuckDB write errors showed the expanded `${VAR}` path; a short `${VAR}` value turned `exists`
into `e***ists`; PostgreSQL's connection message showed the host, database and user of the expanded DSN.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import pg_server, tiny_project
from tests.tiny_project import Tiny

SECRET = "Zq9-hunter2"  # in a folder name, a password, a user name: never to be shown


def retarget(tiny: Tiny, **settings: str) -> None:
    config = json.loads((tiny.root / "segql.yml").read_text(encoding="utf-8"))
    config["targets"]["main"].update(settings)
    for key in [k for k, v in settings.items() if v == ""]:
        del config["targets"]["main"][key]
    (tiny.root / "segql.yml").write_text(json.dumps(config), encoding="utf-8")


def hidden_duckdb(tmp_path: Path) -> Tiny:
    """The tiny project with its database in a folder named by `${SECRET_DIR}`, whose value holds SECRET."""
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("us", 'where: country = "US"\n')
    hidden = tmp_path / f"data-{SECRET}"
    hidden.mkdir()
    shutil.move(tiny.database, hidden / "data.duckdb")
    retarget(tiny, path="${SECRET_DIR}/data.duckdb")
    tiny.env["SECRET_DIR"] = str(hidden)
    return tiny


def test_a_duckdb_write_error_shows_no_expanded_path(tmp_path: Path) -> None:
    """A write that fails (the file size capped by RLIMIT_FSIZE, as on a full disk) names the file as `***/…`."""
    tiny = hidden_duckdb(tmp_path)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file may grow: the first write fails

    done = subprocess.run(tiny.command("materialize", "--all", "--kind", "table", "--as-of", "2024-06-30"),
                          capture_output=True, text=True, env={**tiny.process_env(), "SEGQL_DEBUG": "1"},
                          preexec_fn=cap, timeout=120, check=False)
    assert done.returncode == 1 and "E403" in done.stderr, done.stderr
    assert "File too large" in done.stderr and "***/data.duckdb" in done.stderr
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize("args", [["count"], ["run", "us"], ["snapshot", "--all"], ["targets", "check"]])
def test_duckdb_errors_show_the_setting_as_written(tmp_path: Path, args: list[str]) -> None:
    tiny = hidden_duckdb(tmp_path)
    tiny.env["SECRET_DIR"] += "-missing"
    code, out, err = tiny.invoke(*args)
    assert code == 1 and "${SECRET_DIR}/data.duckdb" in err, err
    assert SECRET not in out + err


def test_a_short_value_hides_itself_without_mangling_the_message() -> None:
    from segql.project import redact

    assert redact("database file x does not exist", ["e"]) == "database file x does not exist"
    assert redact("user e is not allowed", ["e"]) == "user *** is not allowed"
    assert redact("cannot open /data/e/db.duckdb", ["e"]) == "cannot open /data/***/db.duckdb"
    assert redact("Catalog Error: Table with name x does not exist!", ["x", "."]) == \
        "Catalog Error: Table with name *** does not exist!"
    assert redact(f"password={SECRET}; {SECRET}x", [SECRET]) == f"password=***; {SECRET}x"


def test_a_short_variable_in_a_real_message(tmp_path: Path) -> None:
    """The database file is `${DB}`, which is `e`: DuckDB's message about a missing table keeps its words."""
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("us", 'where: country = "US"\n')
    shutil.move(tiny.database, tiny.root / "e")
    retarget(tiny, path="${DB}")
    tiny.env["DB"] = "e"
    schema = tiny.root / "schema.yml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("crm.customers", "crm.members"), encoding="utf-8")
    code, _, err = tiny.invoke("count")
    assert code == 1 and "E403" in err and "Table with name members does not exist" in err, err
    assert "***" not in err


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["dsn", "settings", "uri"])
def test_a_postgres_connection_failure_shows_settings_as_written(tmp_path: Path, pg_dsn: str, how: str) -> None:
    tiny = tiny_project.make(tmp_path / "p", "duckdb")
    tiny.segment("us", 'where: country = "US"\n')
    port = pg_server.free_port()  # nothing listens there
    user, database = f"user_{SECRET}", f"db_{SECRET}"
    config = json.loads((tiny.root / "segql.yml").read_text(encoding="utf-8"))
    if how == "dsn":
        target = {"type": "postgres", "dsn": "${PG_DSN}"}
        tiny.env["PG_DSN"] = f"host=127.0.0.1 port={port} user={user} dbname={database} password={SECRET}"
    elif how == "uri":
        target = {"type": "postgres", "dsn": "${PG_DSN}"}
        tiny.env["PG_DSN"] = f"postgresql://{user}:{SECRET}@127.0.0.1:{port}/{database}"
    else:
        target = {"type": "postgres", "host": "127.0.0.1", "port": str(port), "user": "${PG_USER}",
                  "dbname": "${PG_DB}", "password": "${PG_PASSWORD}"}
        tiny.env.update(PG_USER=user, PG_DB=database, PG_PASSWORD=SECRET)
    config["targets"]["main"] = {**target, "schema": "segs"}
    (tiny.root / "segql.yml").write_text(json.dumps(config), encoding="utf-8")
    code, out, err = tiny.invoke("count")
    assert code == 1 and "E402" in err, err
    assert SECRET not in out + err
    shown = "dsn=${PG_DSN}" if how != "settings" else f"host=127.0.0.1 port={port} dbname=${{PG_DB}} user=${{PG_USER}}"
    assert f"cannot connect to PostgreSQL ({shown})" in err, err


@pytest.mark.postgres
def test_postgres_errors_after_connecting_hide_the_environment(tmp_path: Path, pg_dsn: str) -> None:
    """A role from the environment that may not read a table: its name is `***` in the error."""
    tiny = tiny_project.make(tmp_path / "p", "postgres", pg_dsn=pg_dsn, database="segql_secrets")
    tiny.segment("us", 'where: country = "US"\n')
    role = f"reader_{SECRET}".lower().replace("-", "_")
    tiny.sql(f"DROP ROLE IF EXISTS {role}")
    tiny.sql(f"CREATE ROLE {role} LOGIN")
    tiny.sql(f"GRANT USAGE ON SCHEMA crm TO {role}")
    try:
        retarget(tiny, dsn="${SEGQL_TINY_DSN}", user="${PG_ROLE}")
        tiny.env["PG_ROLE"] = role
        for args in (["count"], ["run", "us"], ["materialize", "us"], ["snapshot", "--all"]):
            code, out, err = tiny.invoke(*args)
            assert code == 1 and "E403" in err, (args, err)
            assert role not in out + err.lower(), err
    finally:
        tiny.sql("DROP OWNED BY " + role)
        tiny.sql(f"DROP ROLE {role}")


@pytest.mark.snowflake
def test_a_snowflake_connection_failure_shows_settings_as_written(snowflake_emulator: object,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real connector (the emulator's patch off), an unreachable host: the account, user and database
    from the environment are shown by name."""
    monkeypatch.setenv("SF_ACCOUNT", f"acct-{SECRET}")
    monkeypatch.setenv("SF_USER", f"user-{SECRET}")
    monkeypatch.setenv("SF_PASSWORD", SECRET)
    settings = {"account": "${SF_ACCOUNT}", "user": "${SF_USER}", "password": "${SF_PASSWORD}",
                "database": "${SF_ACCOUNT}", "host": "127.0.0.1", "port": str(pg_server.free_port()),
                "protocol": "http", "login_timeout": "5"}
    out = snowflake_emulator.run({"patch": False, "settings": settings, "queries": {}})  # type: ignore[attr-defined]
    error = out["connect_error"]
    assert error["code"] == "E402"
    assert "account=${SF_ACCOUNT} host=127.0.0.1 user=${SF_USER} database=${SF_ACCOUNT}" in error["message"]
    assert SECRET not in json.dumps(out)


def test_no_secret_in_any_failure_of_any_command(tmp_path: Path) -> None:
    """Every command that reads the target, failing in several ways, with the secret in the environment."""
    tiny = hidden_duckdb(tmp_path)
    failures = {"missing file": str(tmp_path / f"gone-{SECRET}"), "not a database": os.devnull}
    for value in failures.values():
        tiny.env["SECRET_DIR"] = value
        for args in (["count"], ["run", "--all", "--format", "jsonl"], ["overlap"], ["materialize", "--all"],
                     ["snapshot", "--all"], ["changes", "--from", "2024-01-01", "--to", "2024-02-01"],
                     ["targets", "check"], ["diff", "--base", "HEAD"]):
            code, out, err = tiny.invoke(*args)
            assert code != 0 and code != 3 or args[0] == "diff", (args, err)
            assert SECRET not in out + err, (args, err)
