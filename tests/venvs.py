"""The virtual environments of the test suite's engines (fakesnow, chdb, pyspark), each at the repo root beside
.venv (`.venv-<name>/`, git-ignored): made once with `python -m venv` and pip, and reused while its requirements
are unchanged, because each engine pins libraries (sqlglot, duckdb, pyarrow…) that must never touch segql's.

Standard library only: imported by the tests and by conftest before any engine is needed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = "segql-venv.json"  # written last, after a complete install: the requirements' hash and the versions
INSTALL_TIMEOUT = 900  # seconds (pyspark is a 300 MB download)


class VenvUnavailable(Exception):
    """An environment could not be made; the message says why."""


@dataclass(frozen=True)
class Venv:
    python: Path
    versions: dict[str, str]  # of the packages asked for, inside the environment
    created_in: float | None  # seconds it took to make it in this session; None when reused


def requirements_hash(requirements: tuple[str, ...]) -> str:
    text = "\n".join(requirements) + f"\npython {sys.version_info[0]}.{sys.version_info[1]}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def ensure(folder: Path, requirements: tuple[str, ...], packages: tuple[str, ...]) -> Venv:
    """The environment in `folder` with `requirements` installed: reused when complete and made for these
    requirements, else made anew. `packages` are the distributions whose versions are reported."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:  # two test runs at once make it only once
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = folder / "bin" / "python"
        stamp = folder / STAMP
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = {}
        if recorded.get("requirements") == requirements_hash(requirements) and python.exists():
            return Venv(python, recorded["versions"], None)
        started = time.monotonic()
        shutil.rmtree(folder, ignore_errors=True)
        _make(folder, requirements)
        versions = _versions(python, packages)
        stamp.write_text(json.dumps({"requirements": requirements_hash(requirements), "versions": versions}),
                         encoding="utf-8")
        return Venv(python, versions, time.monotonic() - started)


def _make(folder: Path, requirements: tuple[str, ...]) -> None:
    steps = [
        [sys.executable, "-m", "venv", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise VenvUnavailable(f"`{' '.join(step[:4])} …` did not complete: {err}") from None
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if not line.startswith("WARNING:")]
            raise VenvUnavailable(
                f"`{' '.join(step[:4])} …` failed (exit {done.returncode}); PyPI must be reachable to install "
                f"{', '.join(requirements)} into {folder}:\n" + "\n".join(errors[-15:]))


def _versions(python: Path, packages: tuple[str, ...]) -> dict[str, str]:
    code = f"import importlib.metadata as m, json; print(json.dumps({{n: m.version(n) for n in {packages!r}}}))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise VenvUnavailable(f"the environment in {python.parent.parent} is incomplete:\n{done.stderr[-2000:]}")
    versions: dict[str, str] = json.loads(done.stdout)
    return versions
