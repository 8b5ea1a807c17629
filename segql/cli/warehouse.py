"""`segql materialize`, `snapshot` and `changes`: segments kept in the warehouse as views or tables, a history of
daily memberships, and who entered and left between two days. A command module of segql.cli.

The only commands that open a target for writing, and only in the write schema the user named (segql.warehouse).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from segql.cli.app import (
    as_date,
    as_of_option,
    cli,
    param_option,
    parse_params,
    project_option,
    segment_params,
    target_option,
    workspace_of,
    write_rows,
)

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.check.tree import CheckedSegment

schema_option = click.option("--schema", "schema", default=None, metavar="NAME",
                             help="The schema to write to (default: the target's `schema` setting). Never a schema "
                                  "holding the tables of schema.yml.")
all_option = click.option("--all", "all_segments", is_flag=True, help="Every segment of the project.")


def chosen_segments(ws: Workspace, names: tuple[str, ...], all_segments: bool) -> list[CheckedSegment]:
    if bool(names) == all_segments:
        raise click.UsageError("name the segments, or pass --all (not both)")
    return ws.segments(list(names))


def today_in(timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(timezone)).date()


@cli.command("materialize")
@click.argument("names", nargs=-1)
@all_option
@project_option
@target_option
@schema_option
@as_of_option
@param_option
@click.option("--kind", type=click.Choice(("view", "table")), default="view", show_default=True,
              help="A view follows the current date; a table holds the members as of --as-of (required).")
def materialize_command(names: tuple[str, ...], all_segments: bool, project: str | None, target: str | None,
                        schema: str | None, as_of: dt.datetime | None, params: tuple[str, ...], kind: str) -> None:
    """Create or replace a view or table of each segment's members, named after it, in the write schema."""
    from segql import warehouse

    if kind == "table" and as_of is None:
        raise click.BadParameter("a table holds the members of one day: pass --as-of DATE", param_hint="--as-of")
    if kind == "view" and as_of is not None:
        raise click.BadParameter("a view follows the current date; --as-of needs --kind table", param_hint="--as-of")
    ws = workspace_of(project)
    segments = chosen_segments(ws, names, all_segments)
    overrides = segment_params(segments, parse_params(params), all_segments or len(segments) > 1)
    chosen = ws.target(target)
    engine = warehouse.open_writer(ws, chosen)
    try:
        where = warehouse.write_schema(ws, chosen.name, schema, engine)
        done = warehouse.materialize(ws, engine, segments, schema=where, kind=kind, as_of=as_date(as_of),
                                     params=overrides)
    finally:
        engine.close()
    for item in done:
        click.echo(f"{'replaced' if item.replaced else 'created'} {item.kind} {item.relation}")


@cli.command("snapshot")
@click.argument("names", nargs=-1)
@all_option
@project_option
@target_option
@schema_option
@as_of_option
@param_option
def snapshot_command(names: tuple[str, ...], all_segments: bool, project: str | None, target: str | None,
                     schema: str | None, as_of: dt.datetime | None, params: tuple[str, ...]) -> None:
    """Record the members of segments on the as-of date in the history table (a re-run replaces that day); the
    groups of a segment's splits or priority list are recorded as segments `s.group`."""
    from segql import operations, warehouse

    ws = workspace_of(project)
    segments = chosen_segments(ws, names, all_segments)
    overrides = segment_params(segments, parse_params(params), all_segments or len(segments) > 1)
    segments, overrides = operations.with_groups(segments, overrides)  # each group recorded as `s.group`
    day = as_date(as_of) or today_in(ws.project.timezone)
    chosen = ws.target(target)
    engine = warehouse.open_writer(ws, chosen)
    try:
        where = warehouse.write_schema(ws, chosen.name, schema, engine)
        sizes = warehouse.snapshot(ws, engine, segments, schema=where, as_of=day, params=overrides)
    finally:
        engine.close()
    for segment in segments:
        click.echo(f"{day.isoformat()}  {segment.name}  {sizes.get(segment.name, 0)} members")
    click.echo(f"snapshot of {len(segments)} segment{'s' if len(segments) != 1 else ''} in "
               f"{where}.{warehouse.HISTORY}", err=True)


@cli.command("changes")
@project_option
@target_option
@schema_option
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The earlier snapshot date (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The later snapshot date (YYYY-MM-DD).")
@click.option("--segment", "segment", default=None, metavar="NAME", help="Only this segment.")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "jsonl")), default="table", show_default=True)
def changes_command(project: str | None, target: str | None, schema: str | None, start: dt.datetime, end: dt.datetime,
                    segment: str | None, fmt: str) -> None:
    """Who entered and who left segments between two snapshot dates; counts per segment on standard error."""
    from segql import api, warehouse

    ws = workspace_of(project)
    chosen = ws.target(target)
    engine = api.connect(ws, chosen)
    try:
        where = warehouse.write_schema(ws, chosen.name, schema, engine)
        found = warehouse.changes(ws, engine, schema=where, start=start.date(), end=end.date(),
                                  segment=segment)
    finally:
        engine.close()
    schema_model = ws.loaded.schema
    key_attribute = schema_model.attributes.get(schema_model.key)
    write_rows(["segment", "change", warehouse.history_key(ws)], found.rows, fmt, None,
               key_attribute.type.kind if key_attribute else "string")
    for name, (entered, left) in found.counts.items():
        note = " (its definition changed between the two snapshots)" if name in found.redefined else ""
        click.echo(f"{name}: {entered} entered, {left} left{note}", err=True)
    for name, day in sorted(found.skipped.items()):
        click.echo(f"{name}: skipped, it has a snapshot on {day.isoformat()} only", err=True)
