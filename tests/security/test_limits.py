"""Resource limits (segql/limits.py, docs/security.md): a hostile or careless file costs a diagnostic, never the
machine. Issue 12, item 6: 519 bytes of nested YAML aliases once used 22 GB for 8 minutes, and `tags: &a [*a, *a]`
never returned; every command loads the whole project, so one such file in a pull request stalled CI.

The issue's bomb runs `segql validate` in a process of its own, capped at 2 GiB of address space and a time limit;
the other cases run under an alarm, so a regression fails here instead of taking the machine down.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from segql import api, limits
from tests import cli

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "tests" / "fixtures" / "acme"
MEMORY = 2 * 1024 ** 3


def bomb(levels: int, width: int = 9) -> str:
    """Nested aliases: `width ** levels` values from a few hundred bytes."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ACME, tmp_path, dirs_exist_ok=True)
    return tmp_path


def validate_in_a_capped_process(root: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-c", "from segql.cli import main; main()", "validate", "--project",
                           str(root), "--format", "short"], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=cap, cwd=ROOT, check=False)


HOSTILE_YAML = {
    "the issue's 519-byte bomb": bomb(9),  # 9^10 values
    "a list holding itself twice": "tags: &a [*a, *a]\n",
    "a mapping holding itself": "where: email_opt_in\nparams: &p {x: *p}\n",
    "aliases of aliases in the where tree": "where:\n  all: &w [email_opt_in, {any: *w}]\n",
}


def write_hostile(project: Path, file: str, text: str) -> None:
    path = project / file
    path.write_text(text if file.startswith("segments") else path.read_text() + "\n" + text.replace("where:", "w:"),
                    encoding="utf-8")


def test_the_issues_bomb_in_a_process_capped_at_2_gib(project: Path) -> None:
    write_hostile(project, "segments/hostile.yml", HOSTILE_YAML["the issue's 519-byte bomb"])
    done = validate_in_a_capped_process(project)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "segments/hostile.yml:" in done.stdout and "error[E108]" in done.stdout, done.stdout


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM after `seconds`."""
    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("file", ["segments/hostile.yml", "schema.yml", "segql.yml"])
@pytest.mark.parametrize("what", list(HOSTILE_YAML))
def test_alias_bombs_and_recursive_aliases_are_e108(project: Path, file: str, what: str) -> None:
    write_hostile(project, file, HOSTILE_YAML[what])
    with within(20):
        code, out, _ = cli.invoke("validate", "--project", str(project), "--format", "short")
    assert code == 1 and f"{file}:" in out and "error[E108]" in out, out


def test_aliases_within_the_limit_are_read_as_written(project: Path) -> None:
    (project / "segments" / "tagged.yml").write_text(
        "name: tagged\ntags: &t [retention, email]\ndescription: x\nwhere: email_opt_in\n", encoding="utf-8")
    (project / "segments" / "again.yml").write_text(
        "shared: &cond lifetime_value > 10\nwhere:\n  all: [*cond, *cond]\n".replace("shared: &cond ", "description: &cond "),
        encoding="utf-8")
    result = api.validate(project)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    assert result.segments["tagged"].definition.tags == ("retention", "email")


def test_a_file_over_the_size_limit_is_e108_and_not_read_whole(project: Path) -> None:
    big = project / "segments" / "big.yml"
    big.write_text("where: email_opt_in\n# " + "x" * limits.MAX_FILE_BYTES + "\n", encoding="utf-8")
    code, out, _ = cli.invoke("validate", "--project", str(project), "--format", "short")
    assert code == 1 and "segments/big.yml:1:1: error[E108]: `segments/big.yml` is larger than 1.0 MiB" in out
    big.write_text("where: email_opt_in\n# " + "x" * (limits.MAX_FILE_BYTES - 100) + "\n", encoding="utf-8")
    code, out, _ = cli.invoke("validate", "--project", str(project), "--format", "short")
    assert code == 0, out


def test_yaml_nested_deeper_than_the_limit_is_e101(project: Path) -> None:
    depth = limits.MAX_YAML_DEPTH + 5
    (project / "segments" / "deep.yml").write_text("where: email_opt_in\ndescription: " + "[" * depth + "]" * depth
                                                   + "\n", encoding="utf-8")
    code, out, _ = cli.invoke("validate", "--project", str(project), "--format", "short")
    assert code == 1 and "segments/deep.yml" in out and "error[E101]: invalid YAML: nested too deeply" in out


def test_more_segments_than_the_limit_is_e108(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "MAX_SEGMENTS", 3)  # the mechanism; the limit itself is 10 000
    shutil.rmtree(project / "segments")
    (project / "segments").mkdir()
    (project / "segments" / "many.yml").write_text(
        "segments:\n" + "".join(f"  - {{name: s{i}, where: email_opt_in}}\n" for i in range(5)), encoding="utf-8")
    result = api.validate(project)
    [problem] = [d for d in result.diagnostics if d.code == "E108"]
    assert "more than 3 segments" in problem.message and problem.span.path.startswith("segments/")
    for i in range(3):
        (project / "segments" / f"extra{i}.yml").write_text("where: email_opt_in\n", encoding="utf-8")
    [problem] = [d for d in api.validate(project).diagnostics if d.code == "E108"]
    assert "holds 4 segment files; segql reads at most 3" in problem.message


def test_the_limits_are_documented() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    for value in ("1 MiB", f"{limits.MAX_YAML_NODES:,}", str(limits.MAX_YAML_DEPTH), f"{limits.MAX_SEGMENTS:,}",
                  "100 levels", "38 digits"):
        assert value.replace(",", " ") in text, value
