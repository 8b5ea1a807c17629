"""`segql init`: scaffold a project (schema, example segments, tests, a demo DuckDB database).

A command module of segql.cli.
"""

from __future__ import annotations

from pathlib import Path

import click

from segql.cli.app import cli


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False), default="segql-project")
@click.option("--no-data", is_flag=True, help="Do not build the demo DuckDB database.")
def init_command(directory: str, no_data: bool) -> None:
    """Create a new project in DIRECTORY from the retail example, with its demo data."""
    from segql.scaffold import init_project

    target = Path(directory)
    init_project(target, with_data=not no_data)
    click.echo(f"created {target}/ (segql.yml, schema.yml, segments/, tests/"
               + ("" if no_data else ", data/retail.duckdb") + ")", err=True)
    click.echo("next:", err=True)
    click.echo(f"  cd {target}", err=True)
    click.echo("  segql validate", err=True)
    click.echo("  segql count --as-of 2026-06-30", err=True)
    click.echo("  segql compile high_value_lapsed --as-of 2026-06-30", err=True)
    click.echo("  segql serve --as-of 2026-06-30     # the workbench in your browser (pip install 'segql[serve]')",
               err=True)
