"""`segql overlap` (pairwise intersections and Jaccard of segments, one query) and `segql targets check` (does a
target hold the tables and columns schema.yml declares?).

A command module of segql.cli; sqlglot and the drivers load only when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from segql.cli.app import (
    EXIT_ERRORS,
    as_date,
    as_of_option,
    check_params_used,
    cli,
    param_option,
    params_for,
    parse_params,
    progress,
    project_option,
    target_option,
    workspace_of,
    write_rows,
)


@cli.command("overlap")
@click.argument("names", nargs=-1)
@project_option
@target_option
@as_of_option
@param_option
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "jsonl")), default="table", show_default=True)
@click.option("--matrix", "matrix", type=click.Choice(("count", "jaccard")), default=None,
              help="Write a segment × segment matrix of intersections (count) or Jaccard indexes instead of pairs.")
def overlap_command(names: tuple[str, ...], project: str | None, target: str | None, as_of: dt.datetime | None,
                    params: tuple[str, ...], fmt: str, matrix: str | None) -> None:
    """Pairwise overlap of segments (all when none is named): sizes, intersections and Jaccard index, in one query."""
    from segql import api, operations

    ws = workspace_of(project)
    segments = ws.segments(list(names))
    given = parse_params(params)
    if names:
        check_params_used(segments, given)
    overrides = {s.name: params_for(s, given, len(segments) if names else 2) for s in segments}
    chosen = ws.target(target)
    with progress(f"overlapping {len(segments)} segments on {chosen.name}…"):
        engine = api.connect(ws, chosen)
        try:
            counted = operations.sizes(ws, engine, segments, as_date(as_of), overrides, pairs=True)
        finally:
            engine.close()
    order = [s.name for s in segments]
    if matrix:
        def cell(a: str, b: str) -> object:
            return counted.intersection(a, b) if matrix == "count" else round(counted.jaccard(a, b), 4)

        write_rows(["segment", *order], [(a, *(cell(a, b) for b in order)) for a in order], fmt, None, "string")
    else:
        rows = [(a, b, counted.sizes[a], counted.sizes[b], counted.intersection(a, b), round(counted.jaccard(a, b), 4))
                for i, a in enumerate(order) for b in order[i + 1:]]
        write_rows(["segment_a", "segment_b", "size_a", "size_b", "both", "jaccard"], rows, fmt, None, "string")
    if fmt == "table":
        click.echo(f"{counted.customers} customers in all", err=True)


@cli.group("targets")
def targets_group() -> None:
    """The targets of segql.yml."""


@targets_group.command("check")
@project_option
@target_option
@click.option("--format", "fmt", type=click.Choice(("table", "jsonl")), default="table", show_default=True)
def targets_check_command(project: str | None, target: str | None, fmt: str) -> None:
    """Connect to a target and check that every table of schema.yml exists with every column segql reads
    (attributes, key, join and time columns). Exit 1 when anything is missing."""
    from segql import api, operations

    ws = workspace_of(project)
    chosen = ws.target(target)
    with progress(f"checking target {chosen.name}…"):
        engine = api.connect(ws, chosen)
        try:
            checks = operations.check_tables(ws, engine)
        finally:
            engine.close()
    if fmt == "jsonl":
        for check in checks:
            click.echo(json.dumps({"target": chosen.name, "role": check.role, "table": check.table,
                                   "exists": check.exists, "missing": check.missing, "ok": check.ok}))
    else:
        rows = [("ok" if c.ok else "MISSING" if not c.exists else "COLUMNS", c.role, c.table,
                 "table not found" if not c.exists else ", ".join(c.missing) or f"{len(c.declared)} columns")
                for c in checks]
        write_rows(["status", "schema table", "table", "missing"], rows, "table", None, "string")
        bad = sum(not c.ok for c in checks)
        summary = (f"target `{chosen.name}` ({chosen.type}): {len(checks)} tables, "
                   + (f"{bad} with problems" if bad else "every declared table and column present"))
        click.echo(summary, err=True)
    if not all(c.ok for c in checks):
        sys.exit(EXIT_ERRORS)
