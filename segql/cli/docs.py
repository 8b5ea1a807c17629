"""`segql docs`: write the static HTML catalog of a project's segments (segql.catalog builds the pages).

A command module of segql.cli; sqlglot loads only when the command runs. Connects to no target: no data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from segql.cli.app import DIALECTS, as_date, cli, project_option, project_root, workspace_of


@cli.command("docs")
@project_option
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="The folder to write the site into (default: site/ in the project folder).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Compile the SQL as of this date (YYYY-MM-DD); default: not pinned, the SQL reads the "
                   "current date when it runs.")
@click.option("--dialect", "dialects", type=click.Choice(DIALECTS), multiple=True,
              help="Show the SQL of this dialect only. Repeatable; default: DuckDB, PostgreSQL and Snowflake.")
def docs_command(project: str | None, out: Path | None, as_of: dt.datetime | None, dialects: tuple[str, ...]) -> None:
    """Write a static HTML catalog of the segments: an index, a page per segment (condition, parameters,
    references, the schema it reads, its SQL per dialect) and a schema page. Reads no customer data."""
    from segql import catalog
    from segql.project import PROJECT_FILE

    root = project_root(project)
    folder = out if out is not None else root / "site"
    if (folder / PROJECT_FILE).exists():
        raise click.BadParameter(f"`{folder}` holds {PROJECT_FILE}; write the site into a folder of its own",
                                 param_hint="--out")
    ws = workspace_of(project)
    chosen = [d for d in DIALECTS if d in dialects] if dialects else list(catalog.DIALECT_TITLES)
    site = catalog.build_site(ws, chosen, as_date(as_of))
    written = _write(folder, site.pages)
    for name, dialect, why in site.unavailable:
        click.echo(f"note: no {dialect} SQL for `{name}`: {why}", err=True)
    pages = len(site.pages)
    click.echo(f"wrote {folder / 'index.html'}: {pages} page{'s' if pages != 1 else ''}, "
               f"{written} changed", err=True)


def _write(folder: Path, pages: dict[str, str]) -> int:
    """Write the pages (only those whose bytes changed) and remove segment pages of an earlier run whose
    segment is gone; files segql did not write are never touched. Returns how many files changed."""
    from segql.catalog import GENERATOR

    changed = 0
    for path, text in pages.items():
        target = folder / path
        data = text.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed += 1
    marker = f'<meta name="generator" content="{GENERATOR}">'.encode()
    for stale in sorted((folder / "segments").glob("*.html")):
        if stale.relative_to(folder).as_posix() not in pages and marker in stale.read_bytes()[:2000]:
            stale.unlink()
            changed += 1
    return changed
