"""`segql lsp`: start the language server (segql.lsp) on standard input and output, for an editor to talk to.

A command module of segql.cli; pygls (the `lsp` extra) loads only when it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import click

from segql.cli.app import as_date, as_of_option, cli, project_option, project_root, target_option


@cli.command("lsp")
@project_option
@target_option
@as_of_option
@click.option("--debounce", type=click.IntRange(0, 10_000), default=150, show_default=True, metavar="MS",
              help="Milliseconds from the last keystroke to the check.")
@click.option("--diagnostics", type=click.Choice(["open", "project"]), default="open", show_default=True,
              help="Publish diagnostics for open files only, or for every file of the project.")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only way; editors pass it).")
def lsp_command(project: str | None, target: str | None, as_of: dt.datetime | None, debounce: int, diagnostics: str,
                stdio: bool) -> None:
    """The language server for editors (VS Code, Neovim, Helix, Zed, …) over stdio: diagnostics as you type,
    completion, hover, go to definition, document symbols, formatting and a code lens with a segment's size.
    Without --project, each file opened belongs to the nearest folder above it holding segql.yml."""
    root: Path | None = project_root(project) if project is not None else None
    try:
        from segql.lsp import Options, serve
    except ImportError:
        raise click.UsageError("the language server needs its extra: pip install 'segql[lsp]'") from None
    logging.basicConfig(level=logging.WARNING, format="segql lsp: %(levelname)s %(name)s: %(message)s")  # stderr
    logging.getLogger("pygls").setLevel(logging.ERROR)  # its warnings (a request after shutdown) are not the user's
    serve(root, Options(debounce=debounce / 1000, diagnostics=diagnostics, target=target, as_of=as_date(as_of)))
