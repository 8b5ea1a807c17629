"""The command line: click commands, the only place that prints, reads the environment or exits.

Exit codes: 0 clean, 1 the definitions have errors, 2 the command was called wrongly, 3 a bug in segql.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from segql import __version__
from segql.diagnostics import RENDERERS, Diagnostic, DiagnosticError, render_rich

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
FORMATS = ("rich", "short", "json", "github")


def _default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if os.environ.get("CI"):
        return "short"
    return "rich"


def _colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def emit_diagnostics(diagnostics: list[Diagnostic], fmt: str, stream: object = None) -> None:
    out = stream or sys.stdout
    if fmt == "rich":
        text = render_rich(diagnostics, colour=_colour(out))
        if text:
            text += "\n"
    else:
        text = RENDERERS[fmt](diagnostics)
    click.echo(text, nl=False, file=out)  # type: ignore[arg-type]


def project_root(option: str | None) -> Path:
    from segql.project import PROJECT_FILE, find_project

    if option is not None:
        root = Path(option)
        if not (root / PROJECT_FILE).is_file():
            raise click.UsageError(f"no {PROJECT_FILE} in `{option}`")
        return root
    found = find_project(Path.cwd())
    if found is None:
        raise click.UsageError(f"no {PROJECT_FILE} here or in any folder above; pass --project DIR or run `segql init`")
    return found


project_option = click.option("--project", "project", metavar="DIR", default=None,
                              help="The project folder (default: the nearest folder upward holding segql.yml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="segql")
def cli() -> None:
    """segql: customer segments as code, checked against your schema and compiled to SQL."""


@cli.command()
@project_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="How to show problems (default: rich on a terminal; github under GitHub Actions; short in CI).")
def validate(project: str | None, fmt: str | None) -> None:
    """Parse and type-check every segment, the schema and segql.yml."""
    from segql import api

    root = project_root(project)
    result = api.validate(root)
    fmt = fmt or _default_format()
    emit_diagnostics(result.diagnostics, fmt)
    errors = sum(1 for d in result.diagnostics if d.is_error)
    if fmt in ("rich", "short"):
        files = len({d.span.path for d in result.diagnostics if d.is_error})
        if errors:
            click.echo(f"{errors} error{'s' if errors != 1 else ''} in {files} file{'s' if files != 1 else ''}", err=True)
        else:
            click.echo(f"ok: {len(result.segments)} segments and {len(result.traits)} traits are valid", err=True)
    sys.exit(EXIT_ERRORS if errors else EXIT_OK)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the click group and turns every outcome into an exit code."""
    try:
        cli.main(args=argv, prog_name="segql", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_USAGE)
    except DiagnosticError as err:
        emit_diagnostics(err.diagnostics, _default_format(), sys.stderr)
        sys.exit(EXIT_ERRORS)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as err:  # a bug in segql: say so, never show users a traceback by default
        click.echo(f"internal error in segql {__version__}: {type(err).__name__}: {err}", err=True)
        click.echo("This is a bug in segql, not in your files. Please report it with the command you ran"
                   " (set SEGQL_DEBUG=1 to see the traceback).", err=True)
        if os.environ.get("SEGQL_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_BUG)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
