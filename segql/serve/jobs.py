"""Running the workbench's queries on a target: SELECTs only, one connection per query (so the CLI can write to a
DuckDB file between two of them), a timeout, cancellation by a job id, and a cache of answers for warehouses.

Used by segql.serve.app; imports segql.api and the engines lazily.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from segql.diagnostics import DiagnosticError

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.engines import Engine
    from segql.project import Target

T = TypeVar("T")


class Cancelled(Exception):
    """The query was cancelled by the user or ran past the timeout."""


@dataclass(slots=True)
class _Running:
    engine: Engine
    cancelled: bool = False
    reason: str = ""


def interrupt(engine: Engine) -> None:
    """Ask the engine to stop the query it is running (DuckDB: interrupt; PostgreSQL: a cancel request)."""
    connection = getattr(engine, "connection", None)
    for method in ("interrupt", "cancel_safe", "cancel"):
        stop = getattr(connection, method, None)
        if callable(stop):
            try:
                stop()
            except Exception:  # noqa: BLE001 - the query may have ended meanwhile; nothing is left to stop
                pass
            return


class Runner:
    """Runs `work(engine)` on a target with a timeout; remembers answers of warehouse targets (not of DuckDB, whose
    answers are live) by a key the caller gives, until `forget`."""

    def __init__(self, timeout: float = 60.0, cache_size: int = 256) -> None:
        self.timeout = timeout
        self.cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.cache_size = cache_size
        self.running: dict[str, _Running] = {}
        self.lock = threading.Lock()

    def run(self, ws: Workspace, target: Target, work: Callable[[Engine], T], *, key: tuple[Any, ...] | None = None,
            job: str | None = None) -> tuple[T, bool]:
        """The answer and whether it came from the cache."""
        from segql import api

        entry = (target.name, *key) if key is not None and target.type != "duckdb" else None
        if entry is not None:
            with self.lock:
                if entry in self.cache:
                    self.cache.move_to_end(entry)
                    return self.cache[entry], True
        engine = api.connect(ws, target)
        running = _Running(engine)
        name = job or f"job-{id(running)}"
        with self.lock:
            previous = self.running.get(name)
            self.running[name] = running
        if previous is not None:  # the same job asked again (a newer keystroke): the older answer is not wanted
            self._stop(previous, "replaced by a newer request")
        timer = threading.Timer(self.timeout, self._stop, (running, f"it ran longer than {self.timeout:g} s"))
        timer.daemon = True
        timer.start()
        try:
            result = work(engine)
        except DiagnosticError:
            if running.cancelled:
                raise Cancelled(f"the query was stopped: {running.reason}") from None
            raise
        except Exception:
            if running.cancelled:
                raise Cancelled(f"the query was stopped: {running.reason}") from None
            raise
        finally:
            timer.cancel()
            with self.lock:
                if self.running.get(name) is running:
                    del self.running[name]
            try:
                engine.close()
            except Exception:  # noqa: BLE001 - closing after an interrupt may complain; the connection is gone
                pass
        if running.cancelled:
            raise Cancelled(f"the query was stopped: {running.reason}")
        if entry is not None:
            with self.lock:
                self.cache[entry] = result
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return result, False

    def cancel(self, job: str) -> bool:
        with self.lock:
            running = self.running.get(job)
        if running is None:
            return False
        self._stop(running, "cancelled")
        return True

    def _stop(self, running: _Running, reason: str) -> None:
        running.cancelled, running.reason = True, reason
        interrupt(running.engine)

    def forget(self) -> None:
        with self.lock:
            self.cache.clear()
