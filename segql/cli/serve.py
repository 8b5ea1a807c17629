"""`segql serve`: start the workbench (segql.serve) on 127.0.0.1 and print its URL as the first line.

A command module of segql.cli; Starlette and uvicorn (the `serve` extra) load only when it runs.
"""

from __future__ import annotations

import datetime as dt

import click

from segql.cli.app import as_date, as_of_option, cli, project_option, project_root, target_option


@cli.command("serve")
@project_option
@target_option
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port on 127.0.0.1 (0: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the URL.")
@as_of_option
@click.option("--schema", "schema", default=None, metavar="NAME",
              help="The schema holding the snapshot history (default: the target's `schema` setting).")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=60, show_default=True,
              help="Seconds a query on the target may run before it is stopped.")
def serve_command(project: str | None, target: str | None, port: int, no_browser: bool, as_of: dt.datetime | None,
                  schema: str | None, timeout: float) -> None:
    """The workbench: a local web app to write segments with diagnostics and completion as you type, see their SQL,
    size, the count after each condition, members, breakdowns, overlaps, history and explanations, and save them
    (formatted). Listens on 127.0.0.1 only, with a fresh token each run."""
    root = project_root(project)
    try:
        from segql.serve import serve
    except ImportError:
        raise click.UsageError("the workbench needs its extra: pip install 'segql[serve]'") from None
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise click.UsageError("the workbench needs its extra: pip install 'segql[serve]'") from None

    def announce(url: str) -> None:
        click.echo(url)
        click.echo("segql serve: press Ctrl+C to stop", err=True)

    try:
        serve(root, port=port, target=target, as_of=as_date(as_of), history_schema=schema, timeout=timeout, announce=announce,
              open_browser=not no_browser)
    except OSError as err:
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port}: {err.strerror or err}") from None
    except KeyboardInterrupt:
        pass
