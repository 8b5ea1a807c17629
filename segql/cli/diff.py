"""`segql diff`: compare the project at a git revision with the working tree (definitions, SQL, members).

A command module of segql.cli; the comparison itself is segql.diff. Informational: exits 0 unless the
working tree has errors (1) or the revision or options are wrong (2).
"""

from __future__ import annotations

import datetime as dt

import click

from segql.cli.app import as_date, as_of_option, cli, project_option, target_option, workspace_of


@cli.command("diff")
@click.option("--base", "base", required=True, metavar="REV",
              help="The git revision to compare with (a branch, tag or commit, e.g. origin/main).")
@project_option
@target_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(("markdown", "json")), default="markdown", show_default=True,
              help="markdown reads well as a pull-request comment; json has a stable documented shape.")
def diff_command(base: str, project: str | None, target: str | None, as_of: dt.datetime | None, fmt: str) -> None:
    """What changed between a git revision and the working tree: segments added, removed and changed,
    with their definition and SQL diffs, and (with --target) the members each change adds and removes."""
    from segql import diff

    ws = workspace_of(project)
    report = diff.diff_project(ws, base, target=target, as_of=as_date(as_of))
    click.echo(diff.RENDERERS[fmt](report), nl=False)
