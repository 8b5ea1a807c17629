"""`segql validate`: parse and check a whole project, and show every problem.

A command module of segql.cli: prints through segql.cli.app's helpers.
"""

from __future__ import annotations

import sys

import click

from segql.cli.app import (
    EXIT_ERRORS,
    EXIT_OK,
    FORMATS,
    cli,
    default_format,
    emit_diagnostics,
    project_option,
    project_root,
)


@cli.command()
@project_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="How to show problems (default: rich on a terminal; github under GitHub Actions; short in CI).")
def validate(project: str | None, fmt: str | None) -> None:
    """Parse and type-check every segment, the schema and segql.yml."""
    from segql import api

    root = project_root(project)
    result = api.validate(root)
    fmt = fmt or default_format()
    emit_diagnostics(result.diagnostics, fmt)
    errors = sum(1 for d in result.diagnostics if d.is_error)
    if fmt in ("rich", "short"):
        files = len({d.span.path for d in result.diagnostics if d.is_error})
        if errors:
            click.echo(f"{errors} error{'s' if errors != 1 else ''} in {files} file{'s' if files != 1 else ''}", err=True)
        else:
            click.echo(f"ok: {len(result.segments)} segments and {len(result.traits)} traits are valid", err=True)
    sys.exit(EXIT_ERRORS if errors else EXIT_OK)


