"""`segql explain` (why one customer is in or out of a segment) and `segql breakdown` (a segment's members per value
of an attribute), on the analysis core and segql.insights. A command module of segql.cli.

sqlglot and the drivers load only when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from segql.cli.app import (
    as_date,
    as_of_option,
    cli,
    param_option,
    parse_params,
    progress,
    project_option,
    project_root,
    target_option,
    write_rows,
)

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.engines import Engine

T = TypeVar("T")

format_option = click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
                             show_default=True, help="A table for people, or one JSON document.")


def analysed_workspace(project: str | None) -> Workspace:
    """The project through the analysis core; any error in its files stops the command (exit 1)."""
    from segql.analysis import Analysis
    from segql.diagnostics import DiagnosticError

    analysis = Analysis(project_root(project))
    errors = [d for d in analysis.diagnostics() if d.is_error]
    if errors:
        raise DiagnosticError(errors)
    return analysis.workspace()


def on_target(ws: Workspace, target: str | None, message: str, work: Callable[[Engine], T]) -> T:
    """`work` on a connection to the target (closed after), with `message` as progress on a terminal."""
    from segql import api

    chosen = ws.target(target)
    with progress(f"{message} on {chosen.name}…"):
        engine = api.connect(ws, chosen)
        try:
            return work(engine)
        finally:
            engine.close()


def _shown(value: object) -> str:
    from segql.insights import jsonable

    value = jsonable(value)
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else str(value)


@cli.command("explain")
@click.argument("name")
@click.option("--key", "key", required=True, metavar="KEY", help="The customer's key (as in the customer table).")
@project_option
@target_option
@as_of_option
@param_option
@format_option
def explain_command(name: str, key: str, project: str | None, target: str | None, as_of: dt.datetime | None,
                    params: tuple[str, ...], fmt: str) -> None:
    """Why one customer is in or out of a segment: each condition of its top-level `and`, whether it held, and the
    values it read (computed on the target with one SELECT)."""
    from segql import insights

    ws = analysed_workspace(project)
    segment = ws.segment(name)
    found = on_target(ws, target, f"explaining {name} for {key}", lambda engine: insights.explain(
        ws, engine, segment, key, as_date(as_of), parse_params(params) or None))
    if fmt == "json":
        document = {"segment": found.segment, "key": insights.jsonable(found.key), "member": found.member,
                    "as_of": as_of.date().isoformat() if as_of else None,
                    "conditions": [{"text": c.text, "holds": c.holds, "consent": c.consent,
                                    "values": {k: insights.jsonable(v) for k, v in c.values.items()}}
                                   for c in found.conditions]}
        click.echo(json.dumps(document, indent=2))
        return
    verdict = "is a member of" if found.member else "is not in"
    click.echo(f"customer {_shown(found.key)} {verdict} {found.segment}"
               + (f" (as of {as_date(as_of)})" if as_of else ""))
    for c in found.conditions:
        mark = "holds" if c.holds else "FAILS"
        values = ", ".join(f"{k} = {_shown(v)}" for k, v in c.values.items())
        note = "  (consent of the segment's channel)" if c.consent else ""
        click.echo(f"  {mark:5}  {c.text}{note}")
        if values:
            click.echo(f"         {values}")


@cli.command("breakdown")
@click.argument("name")
@click.option("--by", "by", required=True, metavar="ATTR",
              help="A customer attribute (`country`), a lookup attribute (`address.state`) or a trait.")
@project_option
@target_option
@as_of_option
@param_option
@click.option("--include-pii", is_flag=True, help="Allow breaking down by an attribute marked `pii: true`.")
@format_option
def breakdown_command(name: str, by: str, project: str | None, target: str | None, as_of: dt.datetime | None,
                      params: tuple[str, ...], include_pii: bool, fmt: str) -> None:
    """A segment's members per value of an attribute, lookup attribute or trait (one query), most first."""
    from segql import insights

    ws = analysed_workspace(project)
    segment = ws.segment(name)
    found = on_target(ws, target, f"breaking {name} down by {by}", lambda engine: insights.breakdown(
        ws, engine, segment, by, as_date(as_of), parse_params(params) or None, include_pii=include_pii))
    if fmt == "json":
        click.echo(json.dumps({"segment": name, "by": found.by, "members": found.members,
                               "rows": [{"value": insights.jsonable(v), "members": n} for v, n in found.rows]},
                              indent=2))
        return
    total = found.members
    rows = [(str(insights.jsonable(v)) if v is not None else "(missing)", n, f"{100 * n / total:.1f}%" if total else "0.0%")
            for v, n in found.rows]
    write_rows([by, "members", "share"], rows, "table", None, "string")
    click.echo(f"{total} members of {name}", err=True)
