"""`segql init`: a new project made from the retail example (schema, segments, tests, data generator).

The example ships inside the built package (segql/_example/retail); a source checkout reads
examples/retail directly. Imports no sqlglot; the data generator loads duckdb only when it runs.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from segql.diagnostics import UsageProblem

PARTS = ("segql.yml", "schema.yml", "segments", "tests", "generate_data.py", "README.md")


def example_path() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_example" / "retail", here.parent / "examples" / "retail"):
        if (candidate / "segql.yml").is_file():
            return candidate
    raise FileNotFoundError("the example project is missing from this installation of segql")


def init_project(target: Path, with_data: bool = True) -> list[Path]:
    """Copy the example into `target` (new or empty) and build its demo database; the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageProblem(f"`{target}` already exists and is not empty; choose a new folder")
    source = example_path()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for part in PARTS:
        src = source / part
        if not src.exists():
            continue
        dst = target / part
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.duckdb"))
        else:
            shutil.copy2(src, dst)
        written.append(dst)
    if with_data:
        database = target / "data" / "retail.duckdb"
        generator = runpy.run_path(str(target / "generate_data.py"), run_name="segql_init")
        code = generator["main"](["--out", str(database)])
        if code:
            raise RuntimeError(f"the demo data generator failed with exit code {code}")
        written.append(database)
    return written
