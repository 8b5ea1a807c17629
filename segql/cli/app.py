"""The command group, its entry point and what the commands share (options, output, exit codes).

The CLI is the only place that prints, reads the environment or exits: 0 clean, 1 the definitions have
errors, 2 the command was called wrongly, 3 a bug in segql. Imports no sqlglot or duckdb at start-up.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from segql import __version__
from segql.diagnostics import RENDERERS, Diagnostic, DiagnosticError, UsageProblem, render_rich

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.check.tree import CheckedSegment

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
FORMATS = ("rich", "short", "json", "github")


def default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if os.environ.get("CI"):
        return "short"
    return "rich"


def colour_enabled(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def emit_diagnostics(diagnostics: list[Diagnostic], fmt: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    if fmt == "rich":
        text = render_rich(diagnostics, colour=colour_enabled(out))
        if text:
            text += "\n"
    else:
        text = RENDERERS[fmt](diagnostics)
    click.echo(text, nl=False, file=out)


def project_root(option: str | None) -> Path:
    from segql.project import PROJECT_FILE, find_project

    if option is not None:
        root = Path(option)
        if not (root / PROJECT_FILE).is_file():
            raise click.UsageError(f"no {PROJECT_FILE} in `{option}`")
        return root
    found = find_project(Path.cwd())
    if found is None:
        raise click.UsageError(f"no {PROJECT_FILE} here or in any folder above; pass --project DIR or run `segql init`")
    return found


project_option = click.option("--project", "project", metavar="DIR", default=None,
                              help="The project folder (default: the nearest folder upward holding segql.yml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="segql")
def cli() -> None:
    """segql: customer segments as code, checked against your schema and compiled to SQL."""


DIALECTS = ("duckdb", "postgres", "snowflake", "clickhouse", "spark", "databricks")
OUTPUT_FORMATS = ("table", "csv", "jsonl", "parquet")
as_of_option = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                            help="The as-of date (YYYY-MM-DD); default: today in the project's time zone.")
param_option = click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                            help="Override a parameter; the value is parsed by its declared type. Repeatable.")
target_option = click.option("--target", "target", default=None, metavar="NAME",
                             help="A target from segql.yml (default: its default_target).")


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"`{item}` is not NAME=VALUE", param_hint="--param")
        out[name.strip().lstrip("$")] = value
    return out


def params_for(segment: CheckedSegment, given: dict[str, str], names: int) -> dict[str, str]:
    """With several segments, each gets only the parameters it declares."""
    if names <= 1:
        return given
    declared = {p.name for p in segment.params}
    return {k: v for k, v in given.items() if k in declared}


def check_params_used(segments: list[CheckedSegment], given: dict[str, str]) -> None:
    if len(segments) <= 1:
        return
    declared = {p.name for s in segments for p in s.params}
    unused = sorted(set(given) - declared)
    if unused:
        raise click.BadParameter(f"none of these segments has a parameter `{unused[0]}`", param_hint="--param")


def segment_params(segments: list[CheckedSegment], given: dict[str, str], several: bool) -> dict[str, dict[str, str]]:
    """Each segment's overrides: with several segments, only the parameters it declares."""
    if several:
        check_params_used(segments, given)
    return {s.name: params_for(s, given, 2 if several else 1) for s in segments}


def workspace_of(project: str | None) -> Workspace:
    from segql import api

    return api.open_workspace(project_root(project))


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def stderr_is_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner with `message` on standard error while a long operation runs, only when standard error is a
    terminal: piped and machine-readable output never holds progress (DESIGN §6)."""
    if not stderr_is_terminal():
        yield
        return
    from rich.console import Console

    with Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR"))).status(message):
        yield


def refuse_to_overwrite(ws: Workspace, output: str | None) -> None:
    """An --output that is a file of the project or the data of a target (under any name: links and hard links
    are the same file) is refused before anything runs."""
    if output is None or not Path(output).exists():
        return
    from segql import api

    for path, what in api.protected_files(ws).items():
        try:
            same = path.exists() and os.path.samefile(path, output)
        except OSError:
            same = False
        if same:
            raise UsageProblem(f"--output `{output}` is {what} (`{ws.project.display(path)}`); segql never "
                               "writes over it: name another file")


PARQUET_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "float": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
                 "timestamp": "TIMESTAMP"}  # any other kind (string, enum) is VARCHAR


def write_rows(header: list[str], rows: Sequence[tuple[object, ...]], fmt: str, output: str | None, key_kind: str,
               kinds: list[str] | None = None) -> None:
    """Rows to standard output or `output` as a table, CSV, JSON lines or Parquet. Parquet column types come from
    `kinds` (one type kind per column), else the last column is the key (`key_kind`) and the others text."""
    import csv
    import io
    import json

    if fmt == "parquet":
        assert output is not None
        kinds = kinds or ["string"] * (len(header) - 1) + [key_kind]
        with replacing(output) as path:
            _write_parquet(header, rows, kinds, path)
        click.echo(f"wrote {len(rows)} rows to {output}", err=True)
        return
    if fmt == "table" and output is None and colour_enabled(sys.stdout):
        from rich.console import Console
        from rich.table import Table

        table = Table(*header)
        for row in rows:
            table.add_row(*(str(v) for v in row))
        Console().print(table)
        return
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    elif fmt == "jsonl":
        for row in rows:
            buffer.write(json.dumps(dict(zip(header, row, strict=True)), default=str) + "\n")
    else:
        widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(header)]
        buffer.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
        for row in rows:
            buffer.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
    if output:
        with replacing(output) as path:
            Path(path).write_text(buffer.getvalue(), encoding="utf-8")
    else:
        click.echo(buffer.getvalue(), nl=False)


def _write_parquet(header: list[str], rows: Sequence[tuple[object, ...]], kinds: list[str], path: str) -> None:
    import duckdb

    con = duckdb.connect()
    try:
        columns = ", ".join('"' + h.replace('"', '""') + f'" {PARQUET_TYPES.get(k, "VARCHAR")}'
                            for h, k in zip(header, kinds, strict=True))
        con.execute(f"CREATE TABLE members ({columns})")  # names from schema.yml and segment names, quoted
        if rows:
            con.executemany(f"INSERT INTO members VALUES ({', '.join('?' for _ in header)})", rows)
        con.table("members").write_parquet(path)
    except duckdb.IOException as err:  # writing the file: a missing folder, no permission, a full disk
        number = re.search(r'"errno":"(\d+)"', str(err))
        raise OSError(os.strerror(int(number[1])) if number else str(err).splitlines()[0]) from None
    finally:
        con.close()


@contextmanager
def replacing(output: str) -> Iterator[str]:
    """A path to write `output`'s new contents to: a file beside it, renamed over it once complete, so a write
    that fails (a full disk) leaves no half-written file and the old one as it was. A device or pipe (not a
    regular file) is written directly. Failing to write is a usage problem naming the file, never exit 3."""
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageProblem(f"cannot write `{output}`: there is no folder `{target.parent}`")
    direct = target.exists() and not target.is_file()
    temporary = target.with_name(f".{target.name}.segql-{os.getpid()}.tmp")
    try:
        yield str(target if direct else temporary)
        if not direct:
            os.replace(temporary, target)
    except OSError as err:
        raise UsageProblem(f"cannot write `{output}`: {err.strerror or err}") from None
    finally:
        if not direct and temporary.exists():
            temporary.unlink()


# Writing standard output failed for want of room or a device: the place the output goes, not segql, is at fault.
WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the click group and turns every outcome into an exit code."""
    try:
        cli.main(args=argv, prog_name="segql", standalone_mode=False)
        sys.stdout.flush()  # here, where a full device is reported, not at exit
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_USAGE)
    except DiagnosticError as err:
        emit_diagnostics(err.diagnostics, default_format(), sys.stderr)
        sys.exit(EXIT_ERRORS)
    except UsageProblem as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except OSError as err:
        if err.errno not in WRITE_ERRORS:
            raise
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (what was not written cannot be flushed at exit either)
        click.echo(f"Error: cannot write the output: {err.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as err:  # a bug in segql: say so, never show users a traceback by default
        click.echo(f"internal error in segql {__version__}: {type(err).__name__}: {err}", err=True)
        click.echo("This is a bug in segql, not in your files. Please report it with the command you ran"
                   " (set SEGQL_DEBUG=1 to see the traceback).", err=True)
        if os.environ.get("SEGQL_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_BUG)
    sys.exit(EXIT_OK)


