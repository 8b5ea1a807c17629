"""`segql lint`: warnings (W0xx) about valid segments that probably do not mean what their author meant.

A command module of segql.cli: prints through segql.cli.app's helpers. Validation errors are shown too.
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


@cli.command("lint")
@project_option
@click.option("--strict", is_flag=True, default=False, help="Exit with 1 when there are warnings (for CI).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="How to show warnings (default: rich on a terminal; github under GitHub Actions; short in CI).")
def lint_command(project: str | None, strict: bool, fmt: str | None) -> None:
    """Warn about contradictions, conditions always true or false, `!=` on missing values, redundant
    windows, unused parameters and traits, PII use and duplicate conditions."""
    from segql import api
    from segql.diagnostics import sort_key
    from segql.lint import lint

    loaded = api.load(project_root(project))
    result = api.check(loaded)
    errors = [d for d in result.diagnostics if d.is_error]
    warnings = lint(loaded.schema, result, project_wide=not errors)
    fmt = fmt or default_format()
    emit_diagnostics(sorted([*result.diagnostics, *warnings], key=sort_key), fmt)
    if fmt in ("rich", "short"):
        parts = []
        if errors:
            parts.append(f"{len(errors)} error{'s' if len(errors) != 1 else ''}")
        parts.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "no warnings")
        click.echo(", ".join(parts) + f" in {len(result.segments)} segments and {len(result.traits)} traits",
                   err=True)
    sys.exit(EXIT_ERRORS if errors or (strict and warnings) else EXIT_OK)
