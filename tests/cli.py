"""Running segql's real command-line entry point inside a test, shared by the CLI tests."""

from __future__ import annotations

from click.testing import CliRunner

from segql.cli import main


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `segql <args>` through its real entry point (which maps every outcome to an exit code):
    (exit code, standard output, standard error)."""
    runner = CliRunner()
    with runner.isolation(env=env) as streams:
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        return code, streams[0].getvalue().decode(), streams[1].getvalue().decode()
