"""Run segql's command line and kill the process with SIGKILL (kill -9) at a chosen point of its writes:
`python tests/faults/crash.py WHEN:PREFIX:N[:stop] -- segql arguments…`. WHEN is `before` or `after` the N-th
statement beginning with PREFIX (`DELETE`, `INSERT`, `CREATE`, `DROP`, `ALTER`, and `COMMIT` on DuckDB), or
`during` it (a timer fires 1 ms after the statement starts). With `:stop`, instead of dying the process runs the
command in $SEGQL_FAULT_STOP (stopping the database server) and goes on. A test helper, never part of segql: it
wraps the engines' execute.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def stop_server() -> None:
    subprocess.run(shlex.split(os.environ["SEGQL_FAULT_STOP"]), check=True, capture_output=True)


def wrap(original: Callable[..., Any], when: str, prefix: str, nth: int, fault: Callable[[], None]) -> Callable[..., Any]:
    seen = [0]

    def execute(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
        hit = sql.lstrip().upper().startswith(prefix)
        if hit:
            seen[0] += 1
        hit = hit and seen[0] == nth
        if hit and when == "before":
            fault()
        if hit and when == "during":
            threading.Timer(0.001, fault).start()
        result = original(self, sql, *args, **kwargs)
        if hit and when == "after":
            fault()
        return result

    return execute


def main() -> None:
    point, separator, *args = sys.argv[1:]
    assert separator == "--", "usage: crash.py WHEN:PREFIX:N -- segql arguments"
    when, prefix, nth, *action = point.split(":")
    fault = stop_server if action == ["stop"] else kill
    from segql.engines.duckdb import DuckDBEngine
    from segql.engines.postgres import PostgresEngine

    DuckDBEngine._execute = wrap(DuckDBEngine._execute, when, prefix, int(nth), fault)  # type: ignore[method-assign]
    PostgresEngine.execute = wrap(PostgresEngine.execute, when, prefix, int(nth), fault)  # type: ignore[method-assign]
    from segql.cli import main as segql

    segql(args)


if __name__ == "__main__":
    main()
