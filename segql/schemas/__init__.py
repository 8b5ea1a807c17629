"""JSON Schemas (draft 2020-12) of segql.yml, schema.yml and segment files, for YAML editors.

Shipped as package data; kept in step with the loaders' keys by tests/test_json_schema.py. Imports nothing of segql.
"""

from __future__ import annotations

from importlib.resources import files

KINDS = {"project": "segql.yml", "schema": "schema.yml", "segment": "segment files"}


def json_schema_text(kind: str) -> str:
    """The JSON Schema of one kind of file (`project`, `schema` or `segment`), as JSON text."""
    if kind not in KINDS:
        raise ValueError(f"no JSON Schema for `{kind}`")
    return files(__name__).joinpath(f"{kind}.json").read_text(encoding="utf-8")
