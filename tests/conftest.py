"""Shared test options and fixtures. `pytest --update-golden` rewrites golden files (review the diff)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
RETAIL = TESTS.parent / "examples" / "retail"
RETAIL_SEGMENTS = len(list((RETAIL / "segments").glob("*.yml")))  # one segment (or priority list) per file
# the groups of the example's splits and priority lists, as `count`, `snapshot` and `diff` name them
RETAIL_GROUPS = ("cart_abandoners.reminder", "cart_abandoners.holdout", "campaign_waves.cart_abandoners",
                 "campaign_waves.browse_abandoners", "campaign_waves.birthday_next_week")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")
    parser.addoption("--deep", action="store_true", default=False,
                     help="property tests: many more hypothesis examples (the `deep` profile, like SEGQL_DEEP=1)")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, str], None]:
    """Compare text with a golden file, or rewrite the file under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(path: Path, text: str) -> None:
        if update or not path.exists():
            if not update:
                pytest.fail(f"golden file {path.relative_to(TESTS)} is missing; run pytest --update-golden")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"output differs from {path.relative_to(TESTS)}; if intended, run pytest --update-golden"

    return check


# ---- PostgreSQL: one real server per test session (tests/pg_server.py), and a count of the tests run on it ----

POSTGRES_RUN: dict[str, int | str] = {"tests": 0, "version": ""}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs SQL on the test session's PostgreSQL server (fixture pg_dsn)")
    if config.getoption("--deep"):  # read when tests/test_properties.py picks its hypothesis profile
        os.environ["SEGQL_DEEP"] = "1"
    config.addinivalue_line("markers", "snowflake: runs Snowflake SQL on the emulator (fixture snowflake_emulator)")
    for name in ENGINE_RUNS:
        config.addinivalue_line("markers", f"{name}: runs SQL on the session's {name} worker (fixture {name}_worker)")


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """The DSN of a PostgreSQL database for this session: $SEGQL_TEST_PG_DSN, or a private server started here.

    When no server can be found, installed or started, the tests using it fail (never skip) with the reason.
    """
    from tests import pg_server

    with ExitStack() as stack:  # the server stops and its folder goes when the session ends, failed or not
        try:
            server = stack.enter_context(pg_server.postgres_server())
        except pg_server.ServerUnavailable as err:
            pytest.fail(f"no PostgreSQL server for the tests: {err}", pytrace=False)
        POSTGRES_RUN["version"] = server.version.split()[0]
        yield server.dsn


def pytest_runtest_call(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):  # the marker itself: keywords would also match ids like `postgres`
        POSTGRES_RUN["tests"] = int(POSTGRES_RUN["tests"]) + 1
    if item.get_closest_marker("snowflake"):
        SNOWFLAKE_RUN["tests"] = int(SNOWFLAKE_RUN["tests"]) + 1
    for name, run in ENGINE_RUNS.items():
        if item.get_closest_marker(name):
            run["tests"] = int(run["tests"]) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if POSTGRES_RUN["tests"]:
        version = POSTGRES_RUN["version"] or "an unknown version"
        terminalreporter.write_line(f"postgresql: {POSTGRES_RUN['tests']} tests executed on PostgreSQL {version}")
    if SNOWFLAKE_RUN["tests"]:
        terminalreporter.write_line(f"snowflake emulator: {SNOWFLAKE_RUN['tests']} tests executed "
                                    f"(fakesnow {SNOWFLAKE_RUN['version'] or 'of an unknown version'})")
    for name, run in ENGINE_RUNS.items():
        if run["tests"]:
            terminalreporter.write_line(f"{name}: {run['tests']} tests executed on {run['version'] or 'an unknown version'}")


# ---- Snowflake: fakesnow in its own virtual environment (tests/snowflake_emulator.py), and a count of its tests ----

SNOWFLAKE_RUN: dict[str, int | str] = {"tests": 0, "version": ""}


@pytest.fixture(scope="session")
def snowflake_emulator() -> Any:
    """The emulator's environment, made once and reused while its requirements are unchanged.

    When it cannot be made (PyPI unreachable, say), the tests using it fail (never skip) with the reason.
    """
    from tests import snowflake_emulator

    try:
        emulator = snowflake_emulator.ensure()
    except snowflake_emulator.EmulatorUnavailable as err:
        pytest.fail(f"no Snowflake emulator for the tests: {err}", pytrace=False)
    SNOWFLAKE_RUN["version"] = emulator.versions["fakesnow"]
    return emulator


# ---- ClickHouse (chdb) and Spark (pyspark): one worker each for the session (tests/engine_workers.py) ----

ENGINE_RUNS: dict[str, dict[str, int | str]] = {"clickhouse": {"tests": 0, "version": ""},
                                                "spark": {"tests": 0, "version": ""}}
_WORKERS: dict[str, Any] = {}


def _worker(name: str) -> Iterator[Any]:
    """The engine's worker, started once; a worker that cannot be started fails the tests using it (never skips)."""
    from tests import engine_workers, venvs

    if name not in _WORKERS:
        try:
            _WORKERS[name] = engine_workers.start(name)
        except (venvs.VenvUnavailable, RuntimeError) as err:
            pytest.fail(f"no {name} engine for the tests: {err}", pytrace=False)
        versions = _WORKERS[name].versions
        ENGINE_RUNS[name]["version"] = ("chdb " + versions["chdb"] + " (ClickHouse " + versions["chdb-core"] + ")"
                                        if name == "clickhouse" else "pyspark " + versions["pyspark"] + " (local mode)")
    yield _WORKERS[name]


@pytest.fixture(scope="session")
def clickhouse_worker() -> Iterator[Any]:
    yield from _worker("clickhouse")


@pytest.fixture(scope="session")
def spark_worker() -> Iterator[Any]:
    yield from _worker("spark")


def pytest_sessionfinish(session: pytest.Session) -> None:
    for worker in _WORKERS.values():
        worker.close()


@pytest.fixture(scope="session")
def retail_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The retail example's data, generated once (seeded) into a DuckDB file. Read it only: a test that writes
    works on its own copy."""
    path = tmp_path_factory.mktemp("retail") / "retail.duckdb"
    subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(path)], check=True,
                   capture_output=True)
    return path
