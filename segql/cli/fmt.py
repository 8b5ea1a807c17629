"""`segql fmt`: rewrite the expressions of segment files in their canonical layout, or check that they are.

A command module of segql.cli: the formatting is segql.fmt's; reading, writing and reporting files happen here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from segql.cli.app import EXIT_ERRORS, EXIT_OK, cli, default_format, emit_diagnostics, project_option, project_root
from segql.diagnostics import Diagnostic, DiagnosticError

if TYPE_CHECKING:
    from segql.source import Span

_BOM = b"\xef\xbb\xbf"


@cli.command("fmt")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; list the files that would change and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of the changes.")
@project_option
def fmt(files: tuple[Path, ...], check: bool, show_diff: bool, project: str | None) -> None:
    """Lay out the expressions of segment files canonically, in place.

    Formats FILES (segment files, or folders of them), or every segment file of the project. Only the
    expression text changes; comments, key order and quoting elsewhere in each file stay as they are.
    A file with YAML or syntax errors is left alone and its problems are shown.
    """
    from segql.project import link_leaving

    targets = _files(files, project)
    problems: list[Diagnostic] = []
    changed = unchanged = broken = 0
    for path, shown, folder in targets:
        refused = link_leaving(path, folder, shown) if folder is not None else None
        if refused is not None:  # never rewrite a file elsewhere through a link
            problems.append(refused)
            broken += 1
            continue
        outcome = _format_file(path, shown, write=not (check or show_diff), show_diff=show_diff)
        if isinstance(outcome, list):
            problems.extend(outcome)
            broken += 1
        elif outcome:
            changed += 1
            click.echo(f"{'would reformat' if check or show_diff else 'reformatted'} {shown}", err=True)
        else:
            unchanged += 1
    if problems:
        emit_diagnostics(problems, default_format(), sys.stderr)
    click.echo(_summary(changed, unchanged, broken, dry=check or show_diff), err=True)
    sys.exit(EXIT_ERRORS if broken or (check and changed) else EXIT_OK)


def _files(files: tuple[Path, ...], project: str | None) -> list[tuple[Path, str, Path | None]]:
    """The files to format, how to show them, and the folder they must not leave through a link (None for a file
    named on the command line): as given, or every segment file of the project."""
    if files:
        out: list[tuple[Path, str, Path | None]] = []
        for given in files:
            if given.is_dir():
                found = sorted(p for p in given.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
                out.extend((p, str(p), given) for p in found)
            else:
                out.append((given, str(given), None))
        return out
    from segql.project import load_project

    loaded, diagnostics = load_project(project_root(project))
    if any(d.is_error for d in diagnostics):
        raise DiagnosticError(diagnostics)
    return [(p, loaded.display(p), loaded.root) for p in loaded.segment_files()]


def _format_file(path: Path, shown: str, write: bool, show_diff: bool) -> bool | list[Diagnostic]:
    """True when the file changes (or would), False when it is already formatted, its problems when it has some."""
    from segql.fmt import format_source
    from segql.source import SourceFile

    data = path.read_bytes()
    bom = data.startswith(_BOM)
    crlf = data.count(b"\r\n")
    kinds = {"\r\n": crlf, "\r": data.count(b"\r") - crlf, "\n": data.count(b"\n") - crlf}
    used = [ending for ending, count in kinds.items() if count]
    if len(used) > 1:
        return False  # mixed line endings: rewriting would touch lines the formatter did not change
    newline = used[0] if used else "\n"  # kept as the file has them: CRLF, LF, or lone CR (old Mac files)
    try:
        text = data[len(_BOM) if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        from segql.syntax.yamlpos import read_source

        try:
            read_source(str(path), shown)
        except DiagnosticError as err:
            return err.diagnostics
        raise
    if "\x00" in text:
        return [Diagnostic("E100", f"`{shown}` is a binary file, not YAML text", _no_span(shown))]
    result = format_source(SourceFile(shown, text.replace(newline, "\n")))
    if result.diagnostics:
        return result.diagnostics
    if not result.changed:
        return False
    if show_diff:
        import difflib

        diff = difflib.unified_diff(result.original.splitlines(keepends=True), result.text.splitlines(keepends=True),
                                    f"a/{shown}", f"b/{shown}")
        click.echo("".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff),
                   nl=False)
    if write:
        new = result.text.replace("\n", newline)
        path.write_bytes((_BOM if bom else b"") + new.encode("utf-8"))
    return True


def _no_span(shown: str) -> Span:
    from segql.source import SourceFile, Span

    return Span(SourceFile(shown, ""), 0, 0)


def _summary(changed: int, unchanged: int, broken: int, dry: bool) -> str:
    def files(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    parts = []
    if changed:
        parts.append(f"{files(changed)} {'would be reformatted' if dry else 'reformatted'}")
    if unchanged:
        parts.append(f"{files(unchanged)} {'would be left unchanged' if dry else 'left unchanged'}")
    if broken:
        parts.append(f"{files(broken)} with errors left alone")
    return ", ".join(parts) if parts else "no segment files to format"
