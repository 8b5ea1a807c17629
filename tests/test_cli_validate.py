"""`segql validate`: exit codes, the four output formats, colour and the CI defaults."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from segql.cli import cli, main

ACME = Path(__file__).parent / "fixtures" / "acme"
SEGQL = Path(sys.executable).parent / "segql"
CLEAN_ENV = {"NO_COLOR": None, "CI": None, "GITHUB_ACTIONS": None}


def run(*args: str, env: dict[str, str | None] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args), env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The acme project plus two broken segments: one with two problems, one with a syntax error."""
    root = tmp_path / "acme"
    shutil.copytree(ACME, root)
    (root / "segments" / "broken.yml").write_text(
        'name: broken\nwhere:\n  all:\n    - lifetime_vlue > 1000\n    - country = "UK"\n')
    (root / "segments" / "syntax.yml").write_text("where: count(orders in last 90) > 1\n")
    return root


EXPECTED = [
    ("segments/broken.yml", 4, 7, "E201", "unknown attribute `lifetime_vlue`", "did you mean `lifetime_value`?"),
    ("segments/broken.yml", 5, 17, "E210", '"UK" is not a value of `country` (text (enum))',
     'the values are "US", "CA", "GB", "DE", "FR"'),
    ("segments/syntax.yml", 1, 31, "E110", "expected a duration unit (days, weeks, months, quarters, years) after 90",
     "write e.g. `90 days`"),
]


def test_clean_project_exits_0() -> None:
    result = run("validate", "--project", str(ACME))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "ok: 17 segments and 5 traits are valid\n"


@pytest.mark.parametrize("fmt", ["rich", "short", "json", "github"])
def test_clean_project_in_every_format(fmt: str) -> None:
    result = run("validate", "--project", str(ACME), "--format", fmt)
    assert result.exit_code == 0
    if fmt == "json":
        assert json.loads(result.stdout) == {"version": 1, "diagnostics": [], "summary": {"errors": 0, "warnings": 0}}
    else:
        assert result.stdout == ""


def test_project_found_from_a_subfolder() -> None:
    result = run("validate", cwd=ACME / "segments")
    assert result.exit_code == 0


def test_short_format(broken: Path) -> None:
    result = run("validate", "--project", str(broken), "--format", "short")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{file}:{line}:{col}: error[{code}]: {message} ({hint})" for file, line, col, code, message, hint in EXPECTED
    ]
    assert result.stderr == "3 errors in 2 files\n"


def test_json_format(broken: Path) -> None:
    result = run("validate", "--project", str(broken), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"version", "diagnostics", "summary"}
    assert data["version"] == 1 and data["summary"] == {"errors": 3, "warnings": 0}
    keys = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "label", "hint"}
    for item, (file, line, col, code, message, hint) in zip(data["diagnostics"], EXPECTED, strict=True):
        assert set(item) == keys
        assert (item["file"], item["line"], item["column"], item["code"], item["message"], item["hint"]) == (
            file, line, col, code, message, hint)
        assert item["severity"] == "error"
    first = data["diagnostics"][0]
    # end_column is one past the last character of `lifetime_vlue`
    assert (first["end_line"], first["end_column"], first["label"]) == (4, 20, "not an attribute or trait of `customer`")
    assert result.stderr == ""  # machine-readable output has no summary line


def test_github_format(broken: Path) -> None:
    result = run("validate", "--project", str(broken), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    for out, (file, line, col, code, message, hint) in zip(lines, EXPECTED, strict=True):
        match = re.fullmatch(r"::error file=([^,]+),line=(\d+),col=(\d+),endLine=\d+,endColumn=\d+,title=(E\d+)::(.*)",
                             out)
        assert match, out
        assert match.groups() == (file, str(line), str(col), code, f"{code} {message} ({hint})")


def test_github_escapes_properties_and_newlines() -> None:
    from segql.diagnostics import Diagnostic, render_github
    from segql.source import SourceFile, Span

    source = SourceFile("seg,ments/a:b.yml", "x\n")
    out = render_github([Diagnostic("E201", "50% off\nnext", Span(source, 0, 1))])
    assert out == "::error file=seg%2Cments/a%3Ab.yml,line=1,col=1,endLine=1,endColumn=2,title=E201::E201 50%25 off%0Anext\n"


def test_rich_format(broken: Path) -> None:
    result = run("validate", "--project", str(broken), "--format", "rich")
    assert result.exit_code == 1
    assert "\x1b[" not in result.stdout
    assert result.stdout.startswith(
        "error[E201]: unknown attribute `lifetime_vlue`\n"
        " --> segments/broken.yml:4:7\n"
        "  |\n"
        "4 |     - lifetime_vlue > 1000\n"
        "  |       ^^^^^^^^^^^^^ not an attribute or trait of `customer`\n"
        "  |\n"
        "  = help: did you mean `lifetime_value`?\n"
    )
    assert result.stdout.count("error[") == 3
    assert result.stderr == "3 errors in 2 files\n"


def test_one_error_is_singular(tmp_path: Path) -> None:
    shutil.copytree(ACME, tmp_path / "p")
    (tmp_path / "p" / "segments" / "bad.yml").write_text("where: zzz\n")
    result = run("validate", "--project", str(tmp_path / "p"), "--format", "short")
    assert (result.exit_code, result.stderr) == (1, "1 error in 1 file\n")


@pytest.mark.parametrize(("env", "pattern"), [
    ({"GITHUB_ACTIONS": "true"}, r"::error file=segments/broken\.yml,line=4,col=7,"),
    ({"GITHUB_ACTIONS": "true", "CI": "true"}, r"::error file="),
    ({"CI": "1"}, r"segments/broken\.yml:4:7: error\[E201\]"),
    ({}, r"error\[E201\]: unknown attribute `lifetime_vlue`\n --> segments/broken\.yml:4:7\n"),
    ({"GITHUB_ACTIONS": "false"}, r"error\[E201\]: unknown attribute `lifetime_vlue`\n --> "),
])
def test_default_format_follows_the_environment(broken: Path, env: dict[str, str], pattern: str) -> None:
    result = run("validate", "--project", str(broken), env=env)
    assert result.exit_code == 1
    assert re.match(pattern, result.stdout)


def test_explicit_format_wins_over_github_actions(broken: Path) -> None:
    result = run("validate", "--project", str(broken), "--format", "short", env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("segments/broken.yml:4:7: error[E201]")


# ---- wrong calls: exit 2 ----

USAGE_ERRORS = [
    (["validate", "--bogus"], "No such option"),
    (["validate", "--format", "xml", "--project", str(ACME)], "'xml' is not one of"),
    (["validate", "--project", "/nonexistent/project"], "no segql.yml in `/nonexistent/project`"),
    (["validate", "--project"], "requires an argument"),
    (["nosuchcommand"], "No such command"),
    (["validate", "extra-argument", "--project", str(ACME)], "unexpected extra argument"),
]


@pytest.mark.parametrize(("args", "fragment"), USAGE_ERRORS)
def test_usage_errors_exit_2(args: list[str], fragment: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_no_project_found_exits_2(tmp_path: Path) -> None:
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no segql.yml here or in any folder above" in result.stderr


@pytest.mark.parametrize(("args", "code"), [
    (["validate", "--project", str(ACME)], 0),
    (["validate", "--project", "/nonexistent"], 2),
    (["validate", "--format", "nope"], 2),
    (["--version"], 0),
])
def test_main_exit_codes(args: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == code


def test_main_turns_a_bug_into_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from segql import api

    def explode(root: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "validate", explode)
    monkeypatch.delenv("SEGQL_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["validate", "--project", str(ACME)])
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "internal error in segql" in err and "RuntimeError: boom" in err and "bug in segql" in err
    assert "Traceback" not in err


# ---- the real executable: exit codes and colour on a terminal ----


def test_executable_exit_codes(broken: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    assert subprocess.run([SEGQL, "validate", "--project", str(ACME)], env=env, capture_output=True).returncode == 0
    done = subprocess.run([SEGQL, "validate", "--project", str(broken), "--format", "short"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout.count("\n") == 3 and "Traceback" not in done.stderr
    assert subprocess.run([SEGQL, "validate", "--wat"], env=env, capture_output=True).returncode == 2


def _run_in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    pty = pytest.importorskip("pty")
    import select

    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return proc.wait(timeout=30), output


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color(broken: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "GITHUB_ACTIONS")}
    code, coloured = _run_in_terminal([str(SEGQL), "validate", "--project", str(broken)], base)
    assert code == 1 and b"\x1b[31m" in coloured and b"error[E201]" in coloured
    code, plain = _run_in_terminal([str(SEGQL), "validate", "--project", str(broken)], {**base, "NO_COLOR": "1"})
    assert code == 1 and b"\x1b[" not in plain and b"error[E201]: unknown attribute" in plain


def test_no_colour_when_piped(broken: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "GITHUB_ACTIONS")}
    done = subprocess.run([SEGQL, "validate", "--project", str(broken)], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "\x1b[" not in done.stdout + done.stderr
