"""`segql compile`, `run` and `count`: the SQL of segments, their members on a target, their sizes.

A command module of segql.cli; sqlglot and the drivers load only when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from segql.cli.app import (
    DIALECTS,
    OUTPUT_FORMATS,
    as_date,
    as_of_option,
    check_params_used,
    cli,
    param_option,
    params_for,
    parse_params,
    project_option,
    target_option,
    workspace_of,
    write_rows,
)


@cli.command("compile")
@click.argument("names", nargs=-1, required=True)
@project_option
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True,
              help="The SQL dialect to write.")
@as_of_option
@param_option
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write one NAME.sql file per segment into DIR instead of printing.")
def compile_command(names: tuple[str, ...], project: str | None, dialect: str, as_of: object,
                    params: tuple[str, ...], out: str | None) -> None:
    """Print the SQL of segments: standard output holds only the SQL, ready to pipe into a client."""
    from segql import api

    ws = workspace_of(project)
    segments = ws.segments(list(names))
    given = parse_params(params)
    check_params_used(segments, given)
    texts = [(s.name, api.compile_sql(ws, s, dialect, as_date(as_of), params_for(s, given, len(segments))))
             for s in segments]
    if out is None:
        click.echo("\n\n".join(sql + ";" for _, sql in texts))
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in texts:
        (folder / f"{name}.sql").write_text(sql + ";\n", encoding="utf-8")
    click.echo(f"wrote {len(texts)} file{'s' if len(texts) != 1 else ''} to {folder}", err=True)


@cli.command("run")
@click.argument("names", nargs=-1, required=True)
@project_option
@target_option
@as_of_option
@param_option
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True,
              help="How to write the members.")
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE instead of standard output (required for parquet).")
def run_command(names: tuple[str, ...], project: str | None, target: str | None, as_of: object,
                params: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Run segments on a target and write their members' keys."""
    from segql import api

    if fmt == "parquet" and output is None:
        raise click.BadParameter("parquet needs --output FILE", param_hint="--format")
    ws = workspace_of(project)
    segments = ws.segments(list(names))
    given = parse_params(params)
    check_params_used(segments, given)
    engine = api.connect(ws, ws.target(target))
    try:
        rows = [(s.name, key) for s in segments
                for key in api.members(ws, engine, s, as_date(as_of), params_for(s, given, len(segments)))]
    finally:
        engine.close()
    key = ws.loaded.schema.key
    if len(segments) == 1:
        header, table = [key], [(k,) for _, k in rows]
    else:
        header, table = ["segment", key], rows
    write_rows(header, table, fmt, output, ws.loaded.schema.attributes[key].type.kind if key in ws.loaded.schema.attributes else "string")


@cli.command("count")
@click.argument("names", nargs=-1)
@project_option
@target_option
@as_of_option
@param_option
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "jsonl")), default="table", show_default=True)
def count_command(names: tuple[str, ...], project: str | None, target: str | None, as_of: object,
                  params: tuple[str, ...], fmt: str) -> None:
    """Segment sizes and their share of all customers (all segments when none is named)."""
    from segql import api

    ws = workspace_of(project)
    segments = ws.segments(list(names))
    given = parse_params(params)
    if names:
        check_params_used(segments, given)
    engine = api.connect(ws, ws.target(target))
    try:
        total = api.customer_count(ws, engine)
        sizes = [(s.name, api.segment_size(ws, engine, s, as_date(as_of), params_for(s, given, len(segments) or 2)))
                 for s in segments]
    finally:
        engine.close()
    rows = [(name, size, round(100.0 * size / total, 2) if total else 0.0) for name, size in sizes]
    write_rows(["segment", "members", "share_pct"], rows, fmt, None, "string")
    if fmt == "table":
        click.echo(f"{total} customers in all", err=True)


