"""Links in a project never lead segql outside it. Issue 12, item 13: a link in segments/ to a credentials file
showed its lines in the rich diagnostics, and `fmt` rewrote files outside the project. A link that leaves the
project folder is refused (E100) wherever segql reads project files: segql.yml, the schema, segments, tests; fmt
never writes through one. A path segql.yml itself names outside the folder is read as named.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import tiny_project
from tests.tiny_project import Tiny

CREDENTIALS = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\nwhere: has orders\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Tiny:
    project = tiny_project.make(tmp_path / "project", "duckdb")
    project.segment("us", 'where: country = "US"\n')
    return project


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "credentials.yml"
    secret.parent.mkdir()
    secret.write_text(CREDENTIALS, encoding="utf-8")
    return secret


def test_a_segment_linked_outside_is_refused_and_never_shown(tiny: Tiny, outside: Path) -> None:
    os.symlink(outside, tiny.root / "segments" / "creds.yml")
    for fmt in ("rich", "short", "json", "github"):
        code, out, err = tiny.invoke("validate", "--format", fmt)
        assert code == 1 and "segments/creds.yml" in out and "E100" in out, out
        assert "is a link to a file outside the project" in out
        assert "wJalrXUtnFEMI" not in out + err and "aws_secret" not in out + err
    code, out, err = tiny.invoke("fmt")
    assert code == 1 and "is a link to a file outside the project" in err
    assert outside.read_text(encoding="utf-8") == CREDENTIALS
    code, _, err = tiny.invoke("fmt", str(tiny.root / "segments"))  # a folder given: the same
    assert code == 1 and "is a link to a file outside the project" in err


def test_a_linked_folder_of_segments_is_refused(tiny: Tiny, outside: Path) -> None:
    os.symlink(outside.parent, tiny.root / "segments" / "shared")
    code, out, err = tiny.invoke("validate", "--format", "short")
    assert code == 0 and "1 segment" in err and "wJalrXUtnFEMI" not in out + err  # the linked folder is not entered


@pytest.mark.parametrize("file", ["schema.yml", "segql.yml"])
def test_a_project_file_linked_outside_is_refused(tiny: Tiny, outside: Path, file: str) -> None:
    path = tiny.root / file
    path.unlink()
    os.symlink(outside, path)
    code, out, err = tiny.invoke("validate", "--format", "short")
    assert code == 1 and f"{file}:1:1: error[E100]: `{file}` is a link to a file outside the project" in out + err
    assert "wJalrXUtnFEMI" not in out + err


def test_a_test_file_linked_outside_is_refused(tiny: Tiny, outside: Path) -> None:
    (tiny.root / "tests").mkdir()
    os.symlink(outside, tiny.root / "tests" / "creds.yml")
    code, out, err = tiny.invoke("test", "--format", "short")
    assert code == 1 and "tests/creds.yml" in out + err and "is a link to a file outside the project" in out + err
    assert "wJalrXUtnFEMI" not in out + err


def test_links_inside_the_project_and_named_paths_outside_are_read(tiny: Tiny, tmp_path: Path) -> None:
    (tiny.root / "shared").mkdir()
    (tiny.root / "shared" / "ca.yml").write_text('where: country = "CA"\n', encoding="utf-8")
    os.symlink(tiny.root / "shared" / "ca.yml", tiny.root / "segments" / "ca.yml")  # a link that stays inside
    schema = tmp_path / "common" / "schema.yml"  # a schema shared by several projects, named in segql.yml
    schema.parent.mkdir()
    os.replace(tiny.root / "schema.yml", schema)
    config = (tiny.root / "segql.yml").read_text(encoding="utf-8")
    (tiny.root / "segql.yml").write_text(config.replace('"name": "tiny"', '"name": "tiny", "schema": '
                                                        '"../common/schema.yml"'), encoding="utf-8")
    code, out, err = tiny.invoke("count", "--format", "csv")
    assert code == 0, out + err
    assert sorted(out.splitlines()[1:]) == ["ca,1,25.0", "us,2,50.0"]
