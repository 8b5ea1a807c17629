"""Writers at the same time on one write schema, spelled the same or differently (`--schema racy` and
`--schema RACY` are one schema on PostgreSQL): they take turns, and the history holds each member once.

Issue 12, item 2: the lock of the write schema was keyed by the text given, so two spellings took two locks, both
deleted the day's rows before either inserted, and every row was doubled.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from segql import warehouse
from tests import tiny_project
from tests.tiny_project import AS_OF, Tiny

pytestmark = pytest.mark.postgres

SEGMENTS = {"us": 'where: country = "US"\n', "buyers": "where: has orders\n", "everyone": "where: true\n"}


@pytest.fixture
def tiny(pg_dsn: str, tmp_path: Path) -> Iterator[Tiny]:
    project = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_concurrent")
    for name, text in SEGMENTS.items():
        project.segment(name, text)
    yield project


def expected_history(tiny: Tiny, schema: str) -> list[tuple[object, ...]]:
    rows = tiny.history(schema)
    assert len(rows) == len(set(rows)), "a member recorded twice"
    assert {(s, k) for _, s, k, _ in rows} == {("us", 1), ("us", 4), ("buyers", 1), ("buyers", 2),
                                                ("everyone", 1), ("everyone", 2), ("everyone", 3), ("everyone", 4)}
    return rows


def test_a_writer_waits_for_the_lock_of_the_schema_under_another_spelling(tiny: Tiny) -> None:
    """Deterministic: while a transaction holds the lock of `racy`, a snapshot into `--schema RACY` waits."""
    spelling = "RACY"
    with tiny.connected(write=True) as (_, writer):
        with warehouse.locked_transaction(writer, "racy"):
            other = subprocess.Popen(tiny.command("snapshot", "--all", "--schema", spelling, "--as-of",
                                                  AS_OF.isoformat()),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=tiny.process_env())
            time.sleep(1.5)  # ample for a run that does not wait (it takes well under a second)
            assert other.poll() is None, f"the snapshot did not wait for the lock: {other.communicate()}"
        _, err = other.communicate(timeout=60)  # the lock went with the transaction: the snapshot runs
    assert other.returncode == 0, err
    expected_history(tiny, "racy")


@pytest.mark.parametrize("spellings", [("racy", "racy"), ("racy", "RACY")], ids=["same", "different"])
def test_snapshots_at_the_same_time_record_each_member_once(tiny: Tiny, spellings: tuple[str, str]) -> None:
    """Two processes snapshotting the same day at once: never a doubled row."""
    running = [subprocess.Popen(tiny.command("snapshot", "--all", "--schema", s, "--as-of", AS_OF.isoformat()),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=tiny.process_env()) for s in spellings]
    for process in running:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    expected_history(tiny, "racy")
    assert len(tiny.snapshots("racy")) == len(SEGMENTS)


def test_threads_with_different_spellings_take_turns(tiny: Tiny) -> None:
    """In one process, several writers at once, each its own connection and spelling."""
    errors: list[BaseException] = []
    spellings = ["racy", "RACY", "racy", "RACY"]
    opened = [tiny.connected(write=True) for _ in spellings]
    pairs = [context.__enter__() for context in opened]

    def take(pair: tuple[object, object], spelling: str) -> None:
        ws, writer = pair
        try:
            warehouse.snapshot(ws, writer, ws.segments([]), schema=spelling, as_of=AS_OF)  # type: ignore[attr-defined]
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)

    try:
        threads = [threading.Thread(target=take, args=(pair, s)) for pair, s in zip(pairs, spellings, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for context in opened:
            context.__exit__(None, None, None)
    assert not errors
    expected_history(tiny, "racy")
