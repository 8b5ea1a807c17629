"""`segql compile`, `run` and `count`: the SQL of segments, their members on a target, their sizes.

A command module of segql.cli; sqlglot and the drivers load only when a command runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

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
    progress,
    project_option,
    refuse_to_overwrite,
    replacing,
    segment_params,
    target_option,
    workspace_of,
    write_rows,
)
from segql.diagnostics import UsageProblem

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.check.tree import CheckedSegment


@cli.command("compile")
@click.argument("names", nargs=-1, required=True)
@project_option
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True,
              help="The SQL dialect to write.")
@as_of_option
@param_option
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write one NAME.sql file per segment into DIR instead of printing.")
def compile_command(names: tuple[str, ...], project: str | None, dialect: str, as_of: dt.datetime | None,
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
    for name, _ in texts:
        refuse_to_overwrite(ws, str(folder / f"{name}.sql"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageProblem(f"cannot make the folder `{out}`: {err.strerror}") from None
    for name, sql in texts:
        with replacing(str(folder / f"{name}.sql")) as path:
            Path(path).write_text(sql + ";\n", encoding="utf-8")
    click.echo(f"wrote {len(texts)} file{'s' if len(texts) != 1 else ''} to {folder}", err=True)


def chosen_segments(ws: Workspace, names: tuple[str, ...], every: bool, command: str) -> list[CheckedSegment]:
    if every and names:
        raise click.UsageError(f"`{command}` takes segment names or --all, not both")
    if not every and not names:
        raise click.UsageError(f"`{command}` needs segment names or --all")
    return ws.segments(list(names))


@cli.command("run")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every segment of the project (one query for all of them).")
@project_option
@target_option
@as_of_option
@param_option
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True,
              help="How to write the members.")
@click.option("--shape", type=click.Choice(("long", "wide")), default="long", show_default=True,
              help="long: one (segment, key) row per membership (only the key for one named segment); "
                   "wide: one row per customer in any segment, with a true/false column per segment.")
@click.option("--columns", "columns", default="", metavar="A,B",
              help="Customer attributes to write next to the key (pii: true ones need --include-pii).")
@click.option("--include-pii", is_flag=True, help="Allow --columns to name attributes marked pii: true.")
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE instead of standard output (required for parquet).")
def run_command(names: tuple[str, ...], every: bool, project: str | None, target: str | None, as_of: dt.datetime | None,
                params: tuple[str, ...], fmt: str, shape: str, columns: str, include_pii: bool,
                output: str | None) -> None:
    """Run segments on a target (one query for all of them) and write their members' keys."""
    from segql import api, operations

    if fmt == "parquet" and output is None:
        raise click.BadParameter("parquet needs --output FILE", param_hint="--format")
    ws = workspace_of(project)
    refuse_to_overwrite(ws, output)
    segments = chosen_segments(ws, names, every, "run")
    wanted = operations.output_columns(ws, [c.strip() for c in columns.split(",") if c.strip()],
                                       include_pii=include_pii)
    overrides = segment_params(segments, parse_params(params), every or len(segments) > 1)
    expanded, overrides = operations.with_groups(segments, overrides)  # a group column for splits and priority lists
    grouped = [s for s in segments if s.groups]
    schema = ws.loaded.schema
    wide, keys_only = shape == "wide", len(segments) == 1 and not every
    key = schema.key
    if not wide and not keys_only and key.lower() == "segment":  # beside the segment's name, as in the history
        key = f"{key}_key"
    layout = [(key, "the key"), *((c, ATTRIBUTE) for c in wanted)]
    if wide:
        layout += [(s.name, f"segment `{s.name}`") for s in segments]
        layout += [(f"{s.name}_group", f"the group in `{s.name}`") for s in grouped]
    elif not keys_only:
        layout.insert(0, ("segment", "the segment's name"))
        if grouped:
            layout.insert(2, ("group", "the member's group"))
    elif grouped:
        layout.insert(1, ("group", "the member's group"))
    header = unique_header(layout)
    chosen = ws.target(target)
    with progress(f"running {_segments(len(segments))} on {chosen.name}…"):
        engine = api.connect(ws, chosen)
        try:
            found = operations.members(ws, engine, expanded, as_date(as_of), overrides, wanted)
        finally:
            engine.close()
    key_kind = schema.attributes[schema.key].type.kind if schema.key in schema.attributes else "string"
    kinds = [key_kind, *(schema.attributes[c].type.kind for c in wanted)]
    width = 1 + len(wanted)
    flag = {s.name: width + found.segments.index(s.name) for s in segments}
    rows: list[tuple[object, ...]]
    if wide:
        rows = [(*row[:width], *(row[flag[s.name]] for s in segments), *(found.group(row, s) for s in grouped))
                for row in found.rows]
        kinds += ["boolean"] * len(segments) + ["string"] * len(grouped)
    elif keys_only:
        (only,) = segments
        labels = [found.group] if only.groups else []
        rows = [(row[0], *(f(row, only) for f in labels), *row[1:width]) for row in found.rows if row[flag[only.name]]]
        kinds[1:1] = ["string"] * len(labels)
    else:
        labels = [found.group] if grouped else []
        rows = [(s.name, row[0], *(f(row, s) for f in labels), *row[1:width])
                for s in segments for row in found.rows if row[flag[s.name]]]
        kinds = ["string", key_kind, *(["string"] * len(labels)), *kinds[1:]]
    if fmt in ("table", "csv"):
        rows = [tuple(_text(v) for v in row) for row in rows]
    write_rows(header, rows, fmt, output, key_kind, kinds)


ATTRIBUTE = "an attribute of --columns"


def unique_header(columns: list[tuple[str, str]]) -> list[str]:
    """The names of the output's columns, given as (name, what it is), refusing two of one name (compared
    case-insensitively, as CSV readers, Parquet and databases may): JSON lines would keep only one of them."""
    seen: dict[str, tuple[str, str]] = {}
    for name, role in columns:
        first = seen.setdefault(name.lower(), (name, role))
        if first != (name, role):
            hint = ("leave the attribute out of --columns" if ATTRIBUTE in (role, first[1]) else
                    "use --shape long, or rename the segment")
            raise click.UsageError(f"the output would have two columns named `{first[0]}`: {first[1]} and {role}; "
                                   + hint)
    return [name for name, _ in columns]


def _text(value: object) -> object:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _segments(n: int) -> str:
    return f"{n} segment{'s' if n != 1 else ''}"


@cli.command("count")
@click.argument("names", nargs=-1)
@project_option
@target_option
@as_of_option
@param_option
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "jsonl")), default="table", show_default=True)
def count_command(names: tuple[str, ...], project: str | None, target: str | None, as_of: dt.datetime | None,
                  params: tuple[str, ...], fmt: str) -> None:
    """Segment sizes and their share of all customers (all segments when none is named), in one query."""
    from segql import api, operations

    ws = workspace_of(project)
    segments = ws.segments(list(names))
    given = parse_params(params)
    if names:
        check_params_used(segments, given)
    overrides = {s.name: params_for(s, given, len(segments) if names else 2) for s in segments}
    chosen = ws.target(target)
    with progress(f"counting {_segments(len(segments))} on {chosen.name}…"):
        engine = api.connect(ws, chosen)
        try:
            expanded, overrides = operations.with_groups(segments, overrides)  # and each group, as `s.group`
            counted = operations.sizes(ws, engine, expanded, as_date(as_of), overrides)
        finally:
            engine.close()
    rows = [(name, size, round(100.0 * counted.share(name), 2)) for name, size in counted.sizes.items()]
    write_rows(["segment", "members", "share_pct"], rows, fmt, None, "string")
    if fmt == "table":
        click.echo(f"{counted.customers} customers in all", err=True)
