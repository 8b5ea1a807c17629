"""Golden error rendering: every E1xx/E2xx code has an input under tests/errors/ whose rich and short
renderings are golden files under tests/golden/errors/ (regenerate with `pytest --update-golden`, then read them).

A case is either a single segment file `tests/errors/<CODE>_<what>.yml` (checked in a project on the acme
schema), or a folder `tests/errors/<CODE>_<what>/` holding any of segql.yml, schema.yml and segments/
(what it lacks comes from the acme fixture). The case's name starts with the code it must produce.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from segql import api
from segql.diagnostics import CODES, Diagnostic, render_rich, render_short

TESTS = Path(__file__).parent
ERRORS = TESTS / "errors"
GOLDEN = TESTS / "golden" / "errors"
ACME = TESTS / "fixtures" / "acme"

CASES = sorted(p.name.removesuffix(".yml") for p in ERRORS.iterdir() if p.suffix == ".yml" or p.is_dir())
# E240–E249 are about test files (tests/*.yml), which `validate` does not read: tests/test_testing.py
# exercises each of them with its position.
TEST_FILE_CODES = {c for c in CODES if "E240" <= c <= "E249"}
FRONT_END_CODES = sorted(c for c in CODES if c[:2] in ("E1", "E2") and c not in TEST_FILE_CODES)
NEVER_EMITTED: dict[str, str] = {}  # code -> why no input can produce it (a known bug)


def run_case(name: str, root: Path) -> list[Diagnostic]:
    """Build the case's project under `root` and validate it."""
    case = ERRORS / name
    segments = root / "segments"
    segments.mkdir(parents=True)
    if case.is_dir():
        for file in ("segql.yml", "schema.yml"):
            shutil.copy(case / file if (case / file).exists() else ACME / file, root / file)
        if (case / "segments").is_dir():
            shutil.copytree(case / "segments", segments, dirs_exist_ok=True)
    else:
        shutil.copy(ACME / "segql.yml", root / "segql.yml")
        shutil.copy(ACME / "schema.yml", root / "schema.yml")
        shutil.copy(ERRORS / f"{name}.yml", segments / f"{name}.yml")
    return api.validate(root).diagnostics


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Diagnostic]]:
    return {name: run_case(name, tmp_path_factory.mktemp(name)) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_golden_rendering(name: str, results: dict[str, list[Diagnostic]],
                          golden: Callable[[Path, str], None]) -> None:
    diagnostics = results[name]
    assert diagnostics, f"{name} produced no diagnostics"
    golden(GOLDEN / f"{name}.rich.txt", render_rich(diagnostics, colour=False))
    golden(GOLDEN / f"{name}.short.txt", render_short(diagnostics))


@pytest.mark.parametrize("name", CASES)
def test_case_produces_its_code(name: str, results: dict[str, list[Diagnostic]]) -> None:
    code = name.split("_", 1)[0]
    assert code in CODES, f"case {name} is not named after a code"
    assert code in {d.code for d in results[name]}
    for d in results[name]:
        assert d.span.source is not None and d.span.path != "<unknown>"


@pytest.mark.parametrize("code", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=NEVER_EMITTED[c])) if c in NEVER_EMITTED else c
    for c in FRONT_END_CODES
])
def test_every_front_end_code_is_exercised(code: str, results: dict[str, list[Diagnostic]]) -> None:
    produced = {d.code for diagnostics in results.values() for d in diagnostics}
    assert code in produced


def test_no_golden_file_without_a_case() -> None:
    stale = {p.name.split(".")[0] for p in GOLDEN.glob("*.txt")} - set(CASES)
    assert stale == set()


def test_rich_rendering_in_colour_only_adds_escapes(results: dict[str, list[Diagnostic]]) -> None:
    import re

    for diagnostics in results.values():
        coloured = render_rich(diagnostics, colour=True)
        assert "\x1b[" in coloured
        assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_rich(diagnostics, colour=False)
