"""The JSON Schemas for YAML editors: valid draft 2020-12, in step with the loaders' keys, accepting every
example file and rejecting the mistakes the loaders reject."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from segql.cli import cli
from segql.engines import postgres as pg_engine
from segql.project import PROJECT_KEYS, TARGET_TYPES, load_project
from segql.schema import load_schema
from segql.schemas import KINDS, json_schema_text
from segql.source import SourceFile
from segql.syntax.segments import PARAM_TYPES, SEGMENT_KEYS, TREE_KEYS, load_segment_file
from segql.types import DECLARABLE_TYPES

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT / "examples" / "retail", ROOT / "tests" / "fixtures" / "acme"]


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2): dates stay strings, `on:` is not `true:`."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(("timestamp", "bool"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
EditorLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


def schema(kind: str) -> dict[str, Any]:
    return json.loads(json_schema_text(kind))  # type: ignore[no-any-return]


def errors(kind: str, text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema(kind))
    return [e.message for e in validator.iter_errors(yaml.load(text, Loader=EditorLoader))]


def loader_errors(kind: str, text: str, tmp_path: Path) -> list[str]:
    """What segql itself says about the same file (E-codes of errors)."""
    if kind == "project":
        (tmp_path / "segql.yml").write_text(text, encoding="utf-8")
        _, problems = load_project(tmp_path)
    elif kind == "schema":
        _, problems = load_schema(SourceFile("schema.yml", text))
    else:
        _, problems = load_segment_file(SourceFile("segments/s.yml", text))
    return [p.code for p in problems if p.is_error]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(kind))
    assert schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_keys_in_step_with_the_loaders() -> None:
    project, seg = schema("project"), schema("segment")
    assert set(project["properties"]) == set(PROJECT_KEYS)
    assert project["$defs"]["target"]["properties"]["type"]["enum"] == list(TARGET_TYPES)
    assert set(seg["$defs"]["segment"]["properties"]) == set(SEGMENT_KEYS)
    assert set(seg["$defs"]["tree"]["properties"]) == set(TREE_KEYS)
    assert seg["$defs"]["paramType"]["enum"] == list(PARAM_TYPES)
    assert schema("schema")["$defs"]["type"]["enum"] == list(DECLARABLE_TYPES)
    postgres = project["$defs"]["target"]["allOf"][1]["then"]["properties"]
    assert set(postgres) == {"type", "dsn", *pg_engine.CONNECTION_SETTINGS, *pg_engine.SEGQL_SETTINGS}


FILES = [(p / "segql.yml", "project") for p in PROJECTS] + [(p / "schema.yml", "schema") for p in PROJECTS] + [
    (f, "segment") for p in PROJECTS for f in sorted((p / "segments").glob("*.yml"))]


@pytest.mark.parametrize(("path", "kind"), FILES, ids=[f"{p.parent.name}/{p.name}" for p, _ in FILES])
def test_every_example_file_is_accepted(path: Path, kind: str) -> None:
    assert errors(kind, path.read_text(encoding="utf-8")) == []


# Mistakes a YAML editor should underline; segql's own loader rejects each of them too.
REJECTED = [
    ("project", "name: x\ntargtes: {}\n"),
    ("project", "targets:\n  local: {type: mysql, path: x.db}\n"),
    ("project", "targets:\n  local: {path: x.db}\n"),
    ("project", "targets: [local]\n"),
    ("project", "channels:\n  email: {require: email_opt_in}\n"),
    ("project", "timezone: [UTC]\n"),
    ("schema", "key: id\nattributes: {id: integer}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer, name: text}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer, email: {type: string, pi: true}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer, email: {type: string, pii: maybe}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer, tier: {type: enum}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\nevents:\n  orders: {table: o}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\nlookups:\n  a: {table: x, attributes: {}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\ntraits:\n  age: {exp: x}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\ntraits:\n  score: {sql: {duckdb: c.s}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\ntraits:\n  score: {type: float, sql: {duckbd: c.s}}\n"),
    ("schema", "table: t\nkey: id\nattributes: {id: integer}\ncolumns: {}\n"),
    ("segment", "name: s\nwher: x > 1\n"),
    ("segment", "name: s\nwhere: [a, b]\n"),
    ("segment", "name: s\nwhere:\n  either: [a, b]\n"),
    ("segment", "name: s\nwhere:\n  all: []\n"),
    ("segment", "name: s\nwhere: a\nparams: {p: money}\n"),
    ("segment", "name: s\nwhere: a\nparams: {p: {type: integer, defualt: 1}}\n"),
    ("segment", "name: s\nwhere: a\ntags: {a: b}\n"),
    ("segment", "name: bad-name\nwhere: a\n"),
    ("segment", "segments:\n  - where: a\n"),
    ("segment", "segments:\n  - name: a\n    where: a\nextra: 1\n"),
]


def test_target_settings_are_the_engines() -> None:
    """segql.yml only learns of a misspelt setting when the target is opened; the editor says so at once."""
    assert errors("project", "targets:\n  local: {type: duckdb, file: x.db}\n")
    assert errors("project", "targets:\n  pg: {type: postgres, dsn: x, sslmod: require}\n")
    assert not errors("project", "targets:\n  pg: {type: postgres, host: db, port: 5432, schema: crm}\n")


@pytest.mark.parametrize(("kind", "text"), REJECTED)
def test_obvious_mistakes_are_rejected(kind: str, text: str, tmp_path: Path) -> None:
    assert errors(kind, text), "the JSON Schema accepts it"
    assert loader_errors(kind, text, tmp_path), "segql accepts it, so the JSON Schema should too"


def test_command_prints_each_schema(tmp_path: Path) -> None:
    runner = CliRunner()
    for kind in KINDS:
        done = runner.invoke(cli, ["json-schema", kind])
        assert done.exit_code == 0 and json.loads(done.output) == schema(kind)
    target = tmp_path / "editor" / "segment.schema.json"
    done = runner.invoke(cli, ["json-schema", "segment", "--output", str(target)])
    assert done.exit_code == 0 and json.loads(target.read_text(encoding="utf-8")) == schema("segment")
    assert runner.invoke(cli, ["json-schema", "segments"]).exit_code == 2


def test_a_duckdb_target_may_name_its_write_schema() -> None:
    schema = json.loads(json_schema_text("project"))
    project = {"name": "x", "targets": {"local": {"type": "duckdb", "path": "a.duckdb", "schema": "segments"}}}
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(project))
