"""What `pip install .` ships: the grammar, the JSON schemas and the example behind `segql init`,
and a project made by `segql init` that validates and runs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    (path,) = out.glob("segql-*.whl")
    return path


def test_the_wheel_ships_grammar_schemas_and_example(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "segql/grammar/segql.lark" in names
    assert {"segql/_example/retail/segql.yml", "segql/_example/retail/schema.yml",
            "segql/_example/retail/generate_data.py"} <= names
    assert any(n.startswith("segql/_example/retail/segments/") for n in names)
    assert not any(n.endswith(".duckdb") for n in names)


def test_the_wheel_ships_the_workbench(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    static = "segql/serve/static/"
    assert {static + f for f in ("index.html", "app.js", "app.css", "charts.js", "editor/editor.js",
                                 "editor/LICENSES.txt", "editor/VERSIONS.txt", "editor/package.json")} <= names
    assert not any("node_modules" in n for n in names)


def test_segql_from_the_wheel_inits_and_validates(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import segql.scaffold as s; assert s.example_path().is_relative_to(sys.argv[1]), s.example_path();"
        "from segql.cli import main; main(sys.argv[2:])"
    )
    project = tmp_path / "shop"
    run = [sys.executable, "-c", script, str(unpacked)]
    made = subprocess.run([*run, "init", str(project)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    checked = subprocess.run([*run, "validate", "--project", str(project), "--format", "short"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def invoke(*args: str) -> tuple[int, str]:
    code, out, err = cli.invoke(*args)
    return code, out + err


def test_init_makes_a_working_project(tmp_path: Path) -> None:
    project = tmp_path / "new"
    code, out = invoke("init", str(project))
    assert code == 0, out
    assert (project / "data" / "retail.duckdb").is_file()
    code, out = invoke("count", "high_value_lapsed", "--project", str(project), "--as-of", "2026-06-30", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("high_value_lapsed,")


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    code, out = invoke("init", str(tmp_path), "--no-data")
    assert code == 2 and "not empty" in out
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
