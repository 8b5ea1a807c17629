"""The pipeline for library users, in a few lines: load → check → compile → render → run.

Raises DiagnosticError for user mistakes; never prints. Heavy stages (sqlglot, drivers) load lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from segql import ast
from segql.check import CheckResult, check_project
from segql.diagnostics import Diagnostic, sort_key
from segql.project import Project, load_project
from segql.schema import Schema, load_schema
from segql.syntax.segments import load_segment_file
from segql.syntax.yamlpos import read_source
from segql.diagnostics import DiagnosticError


@dataclass(slots=True)
class Loaded:
    """A project read from disk: its config, schema and segment definitions, and what was wrong."""

    project: Project
    schema: Schema
    segments: list[ast.SegmentDef]
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load(root: Path) -> Loaded:
    project, problems = load_project(root)
    try:
        source = read_source(str(project.schema_path), project.display(project.schema_path))
        schema, schema_problems = load_schema(source)
    except DiagnosticError as err:
        schema, schema_problems = load_schema_placeholder(), err.diagnostics
    problems += schema_problems
    segments: list[ast.SegmentDef] = []
    for path in project.segment_files():
        try:
            source = read_source(str(path), project.display(path))
        except DiagnosticError as err:
            problems += err.diagnostics
            continue
        defs, file_problems = load_segment_file(source)
        segments += defs
        problems += file_problems
    return Loaded(project, schema, segments, problems)


def load_schema_placeholder() -> Schema:
    return Schema("customer", ("customers",), "", {})


def check(loaded: Loaded) -> CheckResult:
    result = check_project(loaded.schema, loaded.segments)
    result.diagnostics[:0] = loaded.diagnostics
    result.diagnostics.sort(key=sort_key)
    return result


def validate(root: Path) -> CheckResult:
    """Parse and check everything in a project; the result lists every problem found."""
    return check(load(root))
