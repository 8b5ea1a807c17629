"""`segql test`: run the project's segment unit tests (tests/*.yml) on embedded DuckDB and report each case.

A command module of segql.cli: prints through segql.cli.app's helpers; duckdb loads only when tests run.
The last line of standard output is always `N passed, M failed` (CI reads it).
"""

from __future__ import annotations

import sys

import click

from segql.cli.app import (
    EXIT_ERRORS,
    EXIT_OK,
    FORMATS,
    cli,
    colour_enabled,
    default_format,
    emit_diagnostics,
    project_option,
    workspace_of,
)


@cli.command("test")
@click.argument("names", nargs=-1)
@project_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="How to show problems in test files (default: rich on a terminal; github under GitHub Actions;"
                   " short in CI). With github, failed cases are annotations too.")
def test_command(names: tuple[str, ...], project: str | None, fmt: str | None) -> None:
    """Run segment unit tests: fixture rows, an as-of date and the expected members of segments.

    NAMES keeps only the test files (by file name without .yml) or the segments named.
    """
    from segql.diagnostics import UsageProblem, did_you_mean
    from segql.testing import run_tests, test_files

    ws = workspace_of(project)
    fmt = fmt or default_format()
    if names:
        test_names = {p.stem for p in test_files(ws)}
        for name in names:
            if name not in test_names and name not in ws.result.segments:
                hint = did_you_mean(name, [*test_names, *ws.result.segments])
                raise UsageProblem(f"no test file or segment named `{name}`" + (f"; {hint}" if hint else ""))
    run = run_tests(ws, names)
    emit_diagnostics(run.diagnostics, fmt)
    colour = colour_enabled(sys.stdout)

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    for result in run.results:
        case = result.case
        where = f"{result.file}:{case.span.line}" if case.span.source else result.file
        if result.passed:
            click.echo(f"{paint('PASS', '32')}  {where}  {case.title}")
            continue
        click.echo(f"{paint('FAIL', '31;1')}  {where}  {case.title}")
        if result.missing:
            click.echo(f"      missing:    {_keys(result.missing)}  (expected members the segment did not select)")
        if result.unexpected:
            why = "not in `members`" if case.members is not None else "listed in `expect_not`"
            click.echo(f"      unexpected: {_keys(result.unexpected)}  (selected, but {why})")
        click.echo(f"      members:    {_keys(result.members) or '(none)'}")
        if fmt == "github":
            detail = "; ".join(part for part in (
                f"missing {_keys(result.missing)}" if result.missing else "",
                f"unexpected {_keys(result.unexpected)}" if result.unexpected else "") if part)
            click.echo(f"::error file={result.file},line={case.span.line},col={case.span.column},"
                       f"title=segql test::{case.title}: {detail}")
    if run.diagnostics and fmt in ("rich", "short"):
        files = len({d.span.path for d in run.diagnostics})
        count = len(run.diagnostics)
        click.echo(f"{count} error{'s' if count != 1 else ''} in {files} test file{'s' if files != 1 else ''}; "
                   f"{run.not_run} test{'s' if run.not_run != 1 else ''} not run", err=True)
    if not run.results and not run.diagnostics:
        folder = ws.project.display(ws.project.tests_path)
        click.echo(f"no segment tests found in {folder}/ (see docs/testing.md for the file format)", err=True)
    click.echo(run.summary)
    sys.exit(EXIT_ERRORS if run.failed or run.diagnostics else EXIT_OK)


def _keys(keys: tuple[object, ...]) -> str:
    return ", ".join(str(k) for k in keys)
