"""A segql project on disk: segql.yml, where its schema, segments and tests are, and its targets.

Reads files through segql.syntax; never connects to anything. Imports no sqlglot.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from segql import ast
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.source import NO_SPAN, SourceFile, Span
from segql.syntax.parser import parse_expression
from segql.syntax.yamlpos import Shape, YMap, load_yaml, read_source

PROJECT_FILE = "segql.yml"
PROJECT_KEYS = ("name", "schema", "segments", "tests", "timezone", "week_start", "default_target", "targets",
                "channels", "description")
WEEK_STARTS = {"monday": 1, "sunday": 7}  # segql.yml's `week_start` → the ISO weekday weeks start on
TARGET_TYPES = ("duckdb", "postgres", "snowflake", "clickhouse", "spark", "databricks")
# A duckdb target's `tables:` maps schema tables to files; the reader is chosen by the file's ending.
TABLE_FILE_READERS = {".parquet": "read_parquet", ".pq": "read_parquet", ".csv": "read_csv_auto",
                      ".tsv": "read_csv_auto", ".csv.gz": "read_csv_auto", ".json": "read_json_auto",
                      ".jsonl": "read_json_auto", ".ndjson": "read_json_auto"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class TableFile:
    """A schema table (`crm.customers`) read from a file or glob (`data/orders/*.parquet`) on a duckdb target."""

    table: str
    location: str  # as written: relative to the project folder, may name `${VAR}`
    span: Span = field(default=NO_SPAN, compare=False)

    @property
    def reader(self) -> str:
        lowered = self.location.lower()
        return next((r for end, r in TABLE_FILE_READERS.items() if lowered.endswith(end)), "")


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    type: str
    settings: dict[str, str]
    span: Span = field(default=NO_SPAN, compare=False)
    tables: tuple[TableFile, ...] = ()  # duckdb only: schema tables read from files

    def resolved(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        """Settings with `${VAR}` replaced from the environment; a missing variable is E404."""
        return {key: self.resolve(value, key, environ) for key, value in self.settings.items()}

    def resolve(self, value: str, where: str, environ: dict[str, str] | None = None) -> str:
        """One setting's text with `${VAR}` replaced; a missing variable is E404 (naming it, never a value)."""
        env = os.environ if environ is None else environ
        missing = [m for m in _VAR.findall(value) if m not in env]
        if missing:
            raise DiagnosticError([Diagnostic(
                "E404", f"target `{self.name}` needs the environment variable `{missing[0]}`", self.span,
                f"`{where}` names ${{{missing[0]}}}", f"set it, e.g. `export {missing[0]}=…`")])
        return _VAR.sub(lambda m: env[m.group(1)], value)

    def secrets(self, environ: dict[str, str] | None = None) -> list[str]:
        """The values the target's `${VAR}`s stand for: never to be shown in a message."""
        env = os.environ if environ is None else environ
        texts = [*self.settings.values(), *(t.location for t in self.tables)]
        return sorted({env[m] for text in texts for m in _VAR.findall(text) if env.get(m)}, key=len, reverse=True)

    def shown(self, keys: tuple[str, ...]) -> str:
        """`key=value` of the settings among `keys`, as written in segql.yml (`${VAR}`, never its value)."""
        return " ".join(f"{k}={self.settings[k]}" for k in keys if self.settings.get(k))


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by `***` where it stands as a whole: not inside a longer word, so a short
    value (`${DB}` being `e`) hides itself without turning `exists` into `e***ists`. A value without a letter or
    digit (`.`, `/`) is no secret and is left alone."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if not any(c.isalnum() for c in secret):  # `.` or `/` hide nothing, and would blot out every one
            continue
        before = r"(?<![A-Za-z0-9])" if secret[0].isalnum() else ""
        after = r"(?![A-Za-z0-9])" if secret[-1].isalnum() else ""
        text = re.sub(before + re.escape(secret) + after, "***", text)
    return text


@dataclass(frozen=True, slots=True)
class Channel:
    """A delivery channel and the consent condition every segment sent through it must meet."""

    name: str
    requires: ast.Expr
    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(slots=True)
class Project:
    root: Path
    name: str
    schema_path: Path
    segments_path: Path
    tests_path: Path
    timezone: str = "UTC"
    week_start: int = 1  # the ISO weekday weeks start on: 1 (monday, the default) or 7 (sunday)
    default_target: str = ""
    targets: dict[str, Target] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)  # consent rules by channel name
    source: SourceFile | None = None

    def display(self, path: Path) -> str:
        """A path as shown in diagnostics: relative to the project folder."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def read(self, path: Path) -> SourceFile:
        """A file of the project as text (read_source), refusing one reached through a link that leaves the project
        folder (E100): a link in a pull request would otherwise show any file's lines in diagnostics, and let fmt
        rewrite it. A path segql.yml names outside the folder (`schema: ../shared/schema.yml`) is read as named."""
        shown = self.display(path)
        refused = link_leaving(path, self.root, shown)
        if refused is not None:
            raise DiagnosticError([refused])
        return read_source(str(path), shown)

    def segment_files(self) -> list[Path]:
        if self.segments_path.is_file():
            return [self.segments_path]
        if not self.segments_path.is_dir():
            return []
        return sorted(p for p in self.segments_path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def link_leaving(path: Path, folder: Path, shown: str) -> Diagnostic | None:
    """E100 when `path`, inside `folder` as written, is a link (or lies in a linked folder) whose file is outside it."""
    inside = Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))
    if not inside or path.resolve().is_relative_to(folder.resolve()):
        return None
    return Diagnostic("E100", f"`{shown}` is a link to a file outside the project; segql does not follow it",
                      Span(SourceFile(shown, ""), 0, 0), "",
                      "copy the file into the project, or name it in segql.yml (`schema: ../shared/schema.yml`)")


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding segql.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def load_project(root: Path, text: str | None = None) -> tuple[Project, list[Diagnostic]]:
    """The project of `root`, read from its segql.yml (or from `text`, an editor's unsaved copy of it)."""
    shape = Shape()
    path = root / PROJECT_FILE
    project = Project(root, root.name, root / "schema.yml", root / "segments", root / "tests")
    try:
        source = project.read(path) if text is None else SourceFile(PROJECT_FILE, text)
        node = load_yaml(source)
    except DiagnosticError as err:
        return project, err.diagnostics
    project.source = source
    top = shape.mapping(node, PROJECT_FILE)
    if top is None:
        return project, shape.problems
    shape.keys(top, PROJECT_KEYS, PROJECT_FILE)
    project.name = shape.text(top.get("name"), "`name`", root.name)
    project.schema_path = root / shape.text(top.get("schema"), "`schema`", "schema.yml")
    project.segments_path = root / shape.text(top.get("segments"), "`segments`", "segments")
    project.tests_path = root / shape.text(top.get("tests"), "`tests`", "tests")
    tz_node = shape.scalar(top.get("timezone"), "`timezone`")
    if tz_node is not None and not tz_node.is_null:
        project.timezone = tz_node.value
        if not _valid_timezone(tz_node.value):
            shape.error("E107", f"unknown time zone `{tz_node.value}`", tz_node.span, "not an IANA time zone",
                        "use a name such as `UTC`, `Europe/Berlin` or `America/New_York`")
    week_node = shape.scalar(top.get("week_start"), "`week_start`")
    if week_node is not None and not week_node.is_null:
        day = week_node.value.lower()
        if day in WEEK_STARTS:
            project.week_start = WEEK_STARTS[day]
        else:
            shape.error("E107", f"`week_start: {week_node.value}` is not a day weeks can start on", week_node.span,
                        "monday or sunday", did_you_mean(day, WEEK_STARTS) or "write `week_start: monday` (the "
                        "default, ISO weeks) or `week_start: sunday`")
    targets = shape.mapping(top.get("targets"), "`targets`")
    for key, value in targets.items if targets else []:
        spec = shape.mapping(value, f"target `{key.value}`")
        if spec is None:
            continue
        kind = shape.scalar(spec.get("type"), "the target's `type`")
        if kind is None:
            shape.error("E104", f"target `{key.value}` has no `type`", key.span, "type missing",
                        "add `type:` and one of " + ", ".join(TARGET_TYPES))
            continue
        if kind.value not in TARGET_TYPES:
            shape.error("E107", f"unknown target type `{kind.value}`", kind.span, "not a target type",
                        did_you_mean(kind.value, TARGET_TYPES) or "types: " + ", ".join(TARGET_TYPES))
            continue
        settings = {k.value: shape.text(v, f"`{k.value}`") for k, v in spec.items if k.value not in ("type", "tables")}
        tables = _table_files(shape, spec, key.value, kind.value)
        project.targets[key.value] = Target(key.value, kind.value, settings, key.span, tables)
    default = shape.scalar(top.get("default_target"), "`default_target`")
    if default is not None and not default.is_null:
        project.default_target = default.value
        if default.value not in project.targets:
            shape.error("E401", f"default target `{default.value}` is not among the targets", default.span,
                        "unknown target", did_you_mean(default.value, project.targets) or "declare it under `targets:`")
    elif len(project.targets) == 1:
        project.default_target = next(iter(project.targets))
    channels = shape.mapping(top.get("channels"), "`channels`")
    for key, value in channels.items if channels else []:
        spec = shape.mapping(value, f"channel `{key.value}`")
        if isinstance(spec, YMap):
            shape.keys(spec, ("requires", "description"), f"channel `{key.value}`", required=("requires",))
            requires = shape.scalar(spec.get("requires"), "`requires`")
            if requires is None or requires.is_null or not requires.value.strip():
                continue
            try:
                condition = parse_expression(requires.value, source, requires.offsets())
            except DiagnosticError as err:
                shape.problems.extend(err.diagnostics)
                continue
            project.channels[key.value] = Channel(key.value, condition, requires.value.strip(), key.span)
    return project, shape.problems


def _table_files(shape: Shape, spec: YMap, target: str, kind: str) -> tuple[TableFile, ...]:
    """A target's `tables:` (schema table -> file or glob); whether each names a schema table is checked
    with the schema (segql.api)."""
    node = spec.get("tables")
    tables = shape.mapping(node, f"`tables` of target `{target}`")
    if tables is None:
        return ()
    if kind != "duckdb":
        shape.error("E406", f"target `{target}` is a {kind} target; only duckdb targets map tables to files",
                    tables.span, "not for this target type",
                    "create the tables (or views over the files) in the database itself")
        return ()
    out = []
    for name, value in tables.items:
        location = shape.scalar(value, f"the file of table `{name.value}`")
        if location is None or location.is_null or not location.value.strip():
            if location is not None:
                shape.error("E406", f"table `{name.value}` maps to no file", location.span, "no file",
                            "write a path or glob relative to segql.yml, e.g. `data/orders/*.parquet`")
            continue
        mapping = TableFile(name.value, location.value, location.span)
        if not mapping.reader:
            shape.error("E406", f"cannot tell how to read `{location.value}`", location.span,
                        "unknown kind of file", "name Parquet (.parquet), CSV (.csv, .tsv, .csv.gz) or JSON "
                        "lines (.json, .jsonl, .ndjson) files")
            continue
        out.append(mapping)
    return tuple(out)


def _valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
