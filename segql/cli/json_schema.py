"""`segql json-schema`: print the JSON Schema of segql.yml, schema.yml or segment files for YAML editors.

A command module of segql.cli; the schemas are package data in segql.schemas.
"""

from __future__ import annotations

from pathlib import Path

import click

from segql.cli.app import cli
from segql.schemas import KINDS, json_schema_text


@cli.command("json-schema")
@click.argument("kind", type=click.Choice(tuple(KINDS)))
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE instead of standard output.")
def json_schema_command(kind: str, output: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of a kind of file: `project` (segql.yml), `schema` (schema.yml)
    or `segment` (a segment file), so that editors can complete and check keys.

    \b
    segql json-schema segment --output .segql/segment.schema.json
    # then, first line of a segment file:
    # yaml-language-server: $schema=../.segql/segment.schema.json
    """
    text = json_schema_text(kind)
    if output is None:
        click.echo(text, nl=False)
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote the {KINDS[kind]} JSON Schema to {path}", err=True)
