"""kill -9 during `snapshot` and `materialize`, on DuckDB and PostgreSQL, at several points of their transactions
(tests/faults/crash.py kills the real command line process there): the history and the relations are as before
the run, never half written, and a rerun gives the new state. Also a kill at no chosen point (a timer) and a
server stopped in the middle of a run.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import tiny_project
from tests.tiny_project import AS_OF, WRITE_SCHEMA, Tiny

CRASH = Path(__file__).with_name("crash.py")
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
SEGMENTS = {"us": 'where: country = "US"\n', "buyers": "where: has orders\n", "coded": "where: code is not null\n"}
EARLIER = AS_OF - dt.timedelta(days=1)


@pytest.fixture(params=ENGINES)
def tiny(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tiny]:
    dsn = request.getfixturevalue("pg_dsn") if request.param == "postgres" else ""
    project = tiny_project.make(tmp_path, request.param, pg_dsn=dsn, database="segql_kills")
    for name, text in SEGMENTS.items():
        project.segment(name, text)
    yield project


def crash(tiny: Tiny, point: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(CRASH), point, "--", *args, "--project", str(tiny.root)],
                          capture_output=True, text=True, env=tiny.process_env(), timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, f"not killed at {point}: {done.returncode} {done.stderr[-2000:]}"
    return done


def state(tiny: Tiny) -> dict[str, Any]:
    """Everything segql wrote: each relation of the write schema (the history and snapshots included), its rows."""
    return {name: sorted(tiny.sql(f'SELECT * FROM {WRITE_SCHEMA}."{name}"'))  # noqa: S608
            for (name,) in tiny.sql(f"SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                    f"'{WRITE_SCHEMA}' ORDER BY 1")}


def consistent(tiny: Tiny) -> None:
    """The history holds each snapshot whole: as many rows per (day, segment) as the snapshot recorded, no twice."""
    taken = tiny.relation_exists(WRITE_SCHEMA, "segql_history")
    history, snapshots = (tiny.history(), tiny.snapshots()) if taken else ([], [])
    assert len(history) == len(set(history))
    counted: dict[tuple[Any, str], int] = {}
    for day, segment, _, _ in history:
        counted[(day, segment)] = counted.get((day, segment), 0) + 1
    assert {(d, s): n for d, s, _, n in snapshots if n} == counted
    if tiny.engine == "postgres":  # nothing left behind by the killed session: no lock, no half-built table
        assert tiny.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == [(0,)]
        assert tiny.sql(f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{WRITE_SCHEMA}' "
                        "AND table_name LIKE 'segql_new_%'") == [(0,)]


def redefine(tiny: Tiny) -> None:
    """New definitions, so that views change as well as tables and the history."""
    tiny.segment("us", 'where: country = "CA"\n')
    tiny.segment("coded", "where: code is null\n")


OLD = {"us": [(1,), (4,)], "coded": [(1,), (2,), (3,)]}
NEW = {"us": [(2,)], "coded": [(4,)]}
NEW_HISTORY = sorted([("buyers", 1), ("buyers", 2), ("coded", 4), ("us", 2)])
# Points of a snapshot: the day's rows deleted; the members inserted; everything, before COMMIT.
SNAPSHOT_POINTS = ["after:DELETE:1", "after:INSERT:1", "after:INSERT:2"]
# Points of materialize us, coded (one transaction each, after one creating the schema): the first relation made
# but not committed; the first committed and the second made (on PostgreSQL's tables, CREATE is the new table).
MATERIALIZE_POINTS = {"after:CREATE:2": ("us", "coded"), "after:CREATE:3": ("coded",)}


@pytest.mark.parametrize("point", SNAPSHOT_POINTS)
def test_a_snapshot_killed_leaves_the_history_as_it_was(tiny: Tiny, point: str) -> None:
    for day in (EARLIER, AS_OF):
        assert tiny.invoke("snapshot", "--all", "--as-of", day.isoformat())[0] == 0
    before = state(tiny)
    redefine(tiny)
    crash(tiny, point, "snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert state(tiny) == before
    consistent(tiny)
    code, _, err = tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    assert sorted((s, k) for d, s, k, _ in tiny.history() if d == AS_OF) == NEW_HISTORY
    consistent(tiny)


@pytest.mark.parametrize("tiny", ["duckdb"], indirect=True)
def test_a_first_snapshot_killed_before_commit_creates_nothing(tiny: Tiny) -> None:
    crash(tiny, "after:INSERT:2", "snapshot", "--all", "--as-of", AS_OF.isoformat())
    assert not tiny.relation_exists(WRITE_SCHEMA, "segql_history")
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    consistent(tiny)


@pytest.mark.parametrize(("point", "kind"), [("after:CREATE:2", "table"), ("after:CREATE:3", "view"),
                                             ("after:CREATE:3", "table")])
def test_materialize_killed_leaves_each_relation_old_or_new(tiny: Tiny, point: str, kind: str) -> None:
    pinned = ["--kind", "table", "--as-of", AS_OF.isoformat()] if kind == "table" else []
    assert tiny.invoke("materialize", "us", "coded", *pinned)[0] == 0
    redefine(tiny)
    crash(tiny, point, "materialize", "us", "coded", *pinned)
    still_old = MATERIALIZE_POINTS[point]
    assert state(tiny) == {name: OLD[name] if name in still_old else NEW[name] for name in ("us", "coded")}
    consistent(tiny)
    code, _, err = tiny.invoke("materialize", "us", "coded", *pinned)
    assert code == 0, err
    assert state(tiny) == NEW


@pytest.mark.parametrize("tiny", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("point", ["after:DROP:1", "after:ALTER:1"])  # the old table dropped; the new one renamed
def test_postgres_table_swap_killed_keeps_the_old_table(tiny: Tiny, point: str) -> None:
    pinned = ["--kind", "table", "--as-of", AS_OF.isoformat()]
    assert tiny.invoke("materialize", "coded", *pinned)[0] == 0
    redefine(tiny)
    crash(tiny, point, "materialize", "coded", *pinned)
    assert state(tiny) == {"coded": OLD["coded"]}
    consistent(tiny)
    assert tiny.invoke("materialize", "coded", *pinned)[0] == 0
    assert state(tiny) == {"coded": NEW["coded"]}


def test_duckdb_killed_while_committing_opens_whole(tmp_path: Path) -> None:
    """DuckDB killed 1 ms into COMMIT (writing its WAL), several times: the file opens (its WAL replayed or
    dropped) with the day's snapshot old or new, never a mix, and a rerun completes it."""
    tiny = tiny_project.make(tmp_path, "duckdb")
    for name, text in SEGMENTS.items():
        tiny.segment(name, text)
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    old = sorted((s, k) for _, s, k, _ in tiny.history())
    redefine(tiny)
    new = NEW_HISTORY
    for _ in range(2):
        done = subprocess.run([sys.executable, str(CRASH), "during:COMMIT:1", "--", "snapshot", "--all", "--as-of",
                               AS_OF.isoformat(), "--project", str(tiny.root)], capture_output=True, text=True,
                              env=tiny.process_env(), timeout=120, check=False)
        assert done.returncode in (0, -signal.SIGKILL), done.stderr
        assert sorted((s, k) for _, s, k, _ in tiny.history()) in (old, new)
        consistent(tiny)
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    assert sorted((s, k) for _, s, k, _ in tiny.history()) == new


def test_a_snapshot_killed_by_another_process_at_any_moment(tiny: Tiny) -> None:
    """kill -9 from outside, at a moment of a run (no chosen statement): consistent after it."""
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    redefine(tiny)
    process = subprocess.Popen(tiny.command("snapshot", "--all", "--as-of", AS_OF.isoformat()),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=tiny.process_env())
    time.sleep(0.6)
    process.kill()
    process.wait(timeout=60)
    consistent(tiny)
    assert tiny.invoke("snapshot", "--all", "--as-of", AS_OF.isoformat())[0] == 0
    consistent(tiny)
