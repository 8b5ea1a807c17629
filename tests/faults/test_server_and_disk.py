"""A PostgreSQL server stopped in the middle of a run, and a full disk under DuckDB and under PostgreSQL: the run
fails with a diagnostic (exit 1, never 3), the history is as it was, and a rerun once the server is back or the
room is made completes it.

"Full disk" without mount privileges: the file-size limit (RLIMIT_FSIZE), set on the segql process (DuckDB writes
its files itself) or on a private PostgreSQL server (its backends inherit it, and PostgreSQL ignores SIGXFSZ, so a
file that may not grow is an error, "could not extend file … File too large", as ENOSPC would be). The server's WAL
segments are 1 MiB (initdb --wal-segsize=1), so only the history table meets the 1 MiB limit.
"""

from __future__ import annotations

import datetime as dt
import resource
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg_server, tiny_project
from tests.faults.test_kills import CRASH, NEW_HISTORY, SEGMENTS, consistent, redefine
from tests.tiny_project import AS_OF, Tiny

LIMIT = 1024 * 1024
MANY = 150  # segments of everyone: 150 x the customers rows of history, past the limit on PostgreSQL


def limited(size: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


@pytest.fixture(scope="module")
def cluster() -> Iterator[pg_server.Cluster]:
    try:
        server = pg_server.Cluster("--wal-segsize=1", durable=True)  # stopped abruptly, it keeps its commits
        server.start()
    except pg_server.ServerUnavailable as err:
        pytest.fail(f"no private PostgreSQL server for the fault tests: {err}", pytrace=False)
    yield server
    server.remove()


@pytest.fixture
def on_cluster(cluster: pg_server.Cluster, tmp_path: Path) -> Iterator[Tiny]:
    if not cluster.running:
        cluster.start()
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=cluster.dsn(), database="segql_faults")
    for name, text in SEGMENTS.items():
        tiny.segment(name, text)
    yield tiny


def stop_command(cluster: pg_server.Cluster) -> str:
    return shlex.join([*cluster.as_user, str(cluster.bin_dir / "pg_ctl"), "stop", "-D", str(cluster.data),
                       "-m", "immediate", "-w"])


@pytest.mark.postgres
@pytest.mark.parametrize("point", ["after:DELETE:1", "after:INSERT:1"])
def test_the_server_stopped_mid_snapshot(cluster: pg_server.Cluster, on_cluster: Tiny, point: str) -> None:
    tiny = on_cluster
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    before = tiny.history()
    redefine(tiny)
    done = subprocess.run([sys.executable, str(CRASH), f"{point}:stop", "--", "snapshot", "--all", "--as-of",
                           AS_OF.isoformat(), "--project", str(tiny.root)], capture_output=True, text=True,
                          env={**tiny.process_env(), "SEGQL_FAULT_STOP": stop_command(cluster)}, timeout=120,
                          check=False)
    cluster.running = False
    assert done.returncode == 1 and "E403" in done.stderr and "internal error" not in done.stderr, done.stderr
    code, _, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())  # the server is down
    assert code == 1 and "E402" in err and "cannot connect to PostgreSQL" in err, err
    cluster.start()
    assert tiny.history() == before
    consistent(tiny)
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    assert sorted((s, k) for _, s, k, _ in tiny.history()) == NEW_HISTORY


def everyone(tiny: Tiny) -> None:
    for i in range(MANY):
        tiny.segment(f"all_{i:03d}", "where: true\n")


@pytest.mark.postgres
def test_postgres_on_a_full_disk(cluster: pg_server.Cluster, on_cluster: Tiny) -> None:
    tiny = on_cluster
    tiny.sql("INSERT INTO crm.customers SELECT g, 'x', 'US' FROM generate_series(5, 200) AS g")
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    before = tiny.history()
    everyone(tiny)
    cluster.stop("fast")
    cluster.start(preexec=lambda: limited(LIMIT))
    try:
        code, out, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())
        assert code == 1 and "E403" in err and "File too large" in err, (code, out, err)
        assert tiny.history() == before
        consistent(tiny)
    finally:
        cluster.stop("fast")
        cluster.start()  # room again
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    consistent(tiny)
    assert len(tiny.history()) == len(before) + MANY * 200  # every customer in each of the new segments


SNAPSHOT = ["snapshot", "--all", "--as-of", AS_OF.isoformat()]
MATERIALIZE = ["materialize", "--all", "--kind", "table", "--as-of", AS_OF.isoformat()]


@pytest.mark.parametrize(("command", "room"), [(SNAPSHOT, "none"), (SNAPSHOT, "a little"), (MATERIALIZE, "none")],
                         ids=["snapshot-no-room", "snapshot-a-little-room", "materialize-no-room"])
def test_duckdb_on_a_full_disk(tmp_path: Path, command: list[str], room: str) -> None:
    """No file may be written at all, or the WAL may take 2 KiB more (a write torn part way): the command fails with
    E403, the file opens as it was, and a rerun with room completes it."""
    tiny = tiny_project.make(tmp_path, "duckdb")
    for name, text in SEGMENTS.items():
        tiny.segment(name, text)
    assert tiny.invoke("snapshot", "--all", "--as-of", (AS_OF - dt.timedelta(days=1)).isoformat())[0] == 0
    before = tiny.history()
    redefine(tiny)
    if command == SNAPSHOT:
        everyone(tiny)  # enough to write that 2 KiB cannot hold it
    wal = tiny.database.with_name(tiny.database.name + ".wal")
    size = 0 if room == "none" else (wal.stat().st_size if wal.exists() else 0) + 2048
    done = subprocess.run(tiny.command(*command), capture_output=True, text=True, env=tiny.process_env(),
                          preexec_fn=lambda: limited(size), timeout=120, check=False)
    assert done.returncode == 1 and "E403" in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "File too large" in done.stderr
    assert tiny.history() == before
    consistent(tiny)
    code, _, err = tiny.invoke(*command)
    assert code == 0, err
    consistent(tiny)
    if command[0] == "snapshot":
        assert sorted((s, k) for d, s, k, _ in tiny.history() if d == AS_OF) == sorted(
            NEW_HISTORY + [(f"all_{i:03d}", k) for i in range(MANY) for k in (1, 2, 3, 4)])
