"""docs/tutorial.md is replayed: in a fresh folder, each `<!-- file: PATH -->` block is written and each `$ command`
of a ```console block is run in a shell (the venv's `segql` on the PATH), its output (standard output and error, in
order) compared with the lines the page shows after it. `pytest --update-golden` rewrites the outputs; review the
diff of the page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```\w*\n(?P<text>.*?)```\n|```console\n(?P<console>.*?)```\n", re.S)
TIMING = re.compile(r" in \d+(\.\d+)?s\b")  # how long the demo data took to write


@dataclass
class Step:
    command: str
    output: str  # as the page shows it


def steps(console: str) -> list[Step]:
    found: list[Step] = []
    for line in console.splitlines(keepends=True):
        if line.startswith("$ "):
            found.append(Step(line[2:].rstrip("\n"), ""))
        else:
            assert found, f"output before any command in a console block: {line!r}"
            found[-1].output += line
    return found


def run(command: str, cwd: Path) -> tuple[str, Path]:
    if command.startswith("cd "):
        return "", (cwd / command[3:]).resolve()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "GIT_AUTHOR_NAME": "tutorial", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "tutorial", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_AUTHOR_DATE": "2026-06-30T12:00:00Z", "GIT_COMMITTER_DATE": "2026-06-30T12:00:00Z"}  # one commit hash
    env.pop("CI", None)  # the formats a user sees on a terminal's pipe, not CI's
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(["bash", "-c", f"{command} 2>&1"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    return TIMING.sub(" in N.Ns", done.stdout), cwd


def test_the_tutorial_prints_what_it_shows(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    text = DOC.read_text(encoding="utf-8")
    update = request.config.getoption("--update-golden")
    cwd = tmp_path
    pieces: list[str] = []
    at = 0
    for block in BLOCK.finditer(text):
        pieces.append(text[at:block.start()])
        at = block.end()
        if block["path"]:
            path = cwd / block["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block["text"], encoding="utf-8")
            pieces.append(block.group(0))
            continue
        written = "```console\n"
        for step in steps(block["console"]):
            output, cwd = run(step.command, cwd)
            if not update:
                assert output == step.output, f"docs/tutorial.md shows other output for `{step.command}`"
            written += f"$ {step.command}\n{output}"
        pieces.append(written + "```\n")
    pieces.append(text[at:])
    if update:
        DOC.write_text("".join(pieces), encoding="utf-8")
    assert len(list(BLOCK.finditer(text))) >= 10
