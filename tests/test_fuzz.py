"""Properties: no input, however malformed, makes the front end raise anything but diagnostics.

Random text and mutations of valid expressions through the parser (and, when they parse, the checker);
random bytes and mutated segment files through segql.api.validate and the CLI (never exit 3).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segql import api, ast
from segql.check import check_project
from segql.cli import cli
from segql.diagnostics import DiagnosticError, render_github, render_json, render_rich, render_short
from segql.schema import load_schema
from segql.source import SourceFile
from segql.syntax.parser import parse_expression
from segql.syntax.yamlpos import read_source

ACME = Path(__file__).parent / "fixtures" / "acme"
SCHEMA, _ = load_schema(read_source(str(ACME / "schema.yml"), "schema.yml"))
SEGMENT_TEXTS = [p.read_text() for p in sorted((ACME / "segments").glob("*.yml"))]

VALID_EXPRESSIONS = [
    'country in ["US", "CA"] and email_opt_in and spend_365 > $min_spend and has no orders in last 90 days',
    'count(orders where status = "paid" in last 90 days) >= 1 or not (lifetime_value between 1 and 2)',
    'sum(orders.amount where status = "paid" in last 365 days) / count(orders) > 50',
    "days_since(last_time(orders)) > 90 and birth_date < 30 days ago",
    'email not contains "x" and email starts with \'a\' and email is not null',
    "top 10% by spend_365 or in segment vip or not in segment churned",
    "percentile(-days_since(last_time(orders))) >= 80",
    "signup_at >= 2024-01-31T08:30:00 and birth_date = 2024-02-29 and now > today - 12 hours",
    'has web_sessions where device = "mobile" and customer.email_opt_in since 2024-01-01',
    "coalesce(lifetime_value, 0) * 2 % 3 - -score <= round(score, 2)",
    r'email = "say \"hi\"" or email = "back\\slash" # comment',
    "count(orders between 180 days ago and $start) > 0 and has orders before today",
]

TOKENS = [
    "and", "or", "not", "in", "is", "null", "between", "contains", "starts with", "ends with", "has", "no",
    "where", "top", "%", "by", "in segment", "in last", "since", "before", "today", "now", "ago", "true",
    "days", "hours", "month", "count(", "sum(", "first_time(", "orders", "orders.amount", "address.state",
    "customer.country", "email_opt_in", "lifetime_value", "country", "$p", "(", ")", "[", "]", ",", "=",
    "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "30", "1.5", "2024-01-31", "2024-02-30", "2024-01-31T08:30",
    '"US"', "'a'", '"', "'", "\\", "#", "\n", " ", "\t", "é", "&&", "==", "<>", ".", "$", "@",
]

SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def parse_or_diagnose(text: str) -> ast.Expr | None:
    try:
        return parse_expression(text)
    except DiagnosticError as err:
        assert err.diagnostics
        for d in err.diagnostics:
            assert d.code.startswith("E1")
            assert d.span.source is not None and 0 <= d.span.start <= d.span.end <= len(text)
        render_rich(err.diagnostics)
        return None


def check_never_crashes(expr: ast.Expr) -> None:
    result = check_project(SCHEMA, [ast.SegmentDef("fuzz", expr)])
    for d in result.diagnostics:
        assert d.code[:2] in ("E1", "E2")


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_only_ever_gives_diagnostics(text: str) -> None:
    expr = parse_or_diagnose(text)
    if expr is not None:
        check_never_crashes(expr)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join))
def test_random_token_soup_only_ever_gives_diagnostics(text: str) -> None:
    expr = parse_or_diagnose(text)
    if expr is not None:
        check_never_crashes(expr)


@st.composite
def mutated(draw: st.DrawFn, sources: list[str], alphabet: list[str]) -> str:
    text = draw(st.sampled_from(sources))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 6)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(alphabet)) + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.sampled_from(alphabet)) + text[j:]
        elif kind == "truncate":
            text = text[:i]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@SETTINGS
@given(mutated(VALID_EXPRESSIONS, TOKENS))
def test_mutated_expressions_only_ever_give_diagnostics(text: str) -> None:
    expr = parse_or_diagnose(text)
    if expr is not None:
        check_never_crashes(expr)


# ---- whole files through segql.api.validate ----


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acme project with only the fuzzed file in segments/ (rewritten by each example)."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ACME / "segql.yml", root / "segql.yml")
    shutil.copy(ACME / "schema.yml", root / "schema.yml")
    (root / "segments").mkdir()
    shutil.copy(ACME / "segments" / "vip.yml", root / "segments" / "vip.yml")
    shutil.copy(ACME / "segments" / "churned.yml", root / "segments" / "churned.yml")
    return root


def validate_bytes(root: Path, data: bytes) -> None:
    path = root / "segments" / "fuzz.yml"
    path.write_bytes(data)
    result = api.validate(root)  # must not raise
    for d in result.diagnostics:
        assert d.code[:2] in ("E1", "E2"), d
        if d.span.source is not None:  # (start <= end is not checked here: see test_yaml_positions)
            assert 0 <= d.span.start <= len(d.span.source.text) and 0 <= d.span.end <= len(d.span.source.text)
    render_rich(result.diagnostics, colour=True)
    render_short(result.diagnostics)
    json.loads(render_json(result.diagnostics))
    render_github(result.diagnostics)


YAML_ALPHABET = [":", "- ", "  ", "\n", "\t", "[", "]", "{", "}", "'", '"', "|", ">", "#", "&a", "*a", "!!str ",
                 "---\n", "...\n", "? ", "where: ", "all:", "any:", "none:", "name: ", "params:", "%", "\\", "\x00",
                 "\ufeff", "é", ",", "in segment fuzz"]


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_bytes_as_a_segment_file(project: Path, data: bytes) -> None:
    validate_bytes(project, data)


@settings(deadline=None, max_examples=250, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=mutated(SEGMENT_TEXTS, YAML_ALPHABET + TOKENS))
def test_mutated_segment_files(project: Path, text: str) -> None:
    validate_bytes(project, text.encode("utf-8", "surrogatepass"))


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=st.sampled_from(SEGMENT_TEXTS), cut=st.integers(0, 400))
def test_truncated_segment_files(project: Path, text: str, cut: int) -> None:
    validate_bytes(project, text[:cut].encode())


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=mutated(SEGMENT_TEXTS, YAML_ALPHABET + TOKENS), fmt=st.sampled_from(["rich", "short", "json", "github"]))
def test_cli_never_exits_3(project: Path, text: str, fmt: str) -> None:
    (project / "segments" / "fuzz.yml").write_bytes(text.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(cli, ["validate", "--project", str(project), "--format", fmt],
                                env={"NO_COLOR": "1", "CI": None, "GITHUB_ACTIONS": None})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize("name", ["schema.yml", "segql.yml"])
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=st.data())
def test_mutated_schema_and_project_files(tmp_path_factory: pytest.TempPathFactory, name: str,
                                          text: st.DataObject) -> None:
    original = (ACME / name).read_text()
    validate_project_file(tmp_path_factory.mktemp("fuzzproject", numbered=True), name,
                          text.draw(mutated([original], YAML_ALPHABET + TOKENS)))


def validate_project_file(root: Path, name: str, text: str) -> None:
    """The acme project with `name` (schema.yml or segql.yml) replaced by `text`: only diagnostics."""
    shutil.copytree(ACME, root, dirs_exist_ok=True)
    (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    result = api.validate(root)
    for d in result.diagnostics:
        assert d.code[:2] in ("E1", "E2", "E4"), d
    render_rich(result.diagnostics)


HOSTILE = [
    ("3000 nested parentheses", "(" * 3000 + "email_opt_in" + ")" * 3000),
    ("5000 conditions", " and ".join(["email_opt_in"] * 5000)),
    ("a 5000-item list", "score in [" + ", ".join(["1"] * 5000) + "]"),
    ("a huge window", "has orders in last 99999999999999999999 days"),
    ("400 nested nots", "not " * 400 + "email_opt_in"),
    ("3000 unary minuses", "-" * 3000 + "score > 1"),
    ("a 5000-digit number", "score > " + "1" * 5000),
]


@pytest.mark.parametrize(("what", "text"), HOSTILE)
def test_hostile_expressions_give_diagnostics_not_exceptions(project: Path, what: str, text: str) -> None:
    validate_bytes(project, f"where: {text}\n".encode())


def test_source_file_positions_are_consistent() -> None:
    source = SourceFile("f", "ab\ncd\n\nef")
    assert [source.position(i) for i in range(len(source.text) + 1)] == [
        (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (4, 1), (4, 2), (4, 3)]
    assert [source.line_text(n) for n in range(1, 5)] == ["ab", "cd", "", "ef"]


# ---- YAML-level mutations: the files' structure changed, not their characters ----
# Each file is loaded as data, changed where a careless or hostile author would change it (a value of another
# kind, a key dropped, renamed or added, a value shared as an anchor and aliases, a value holding itself, aliases
# of aliases, nesting past the limit), and written back as YAML. However it ends, validate gives diagnostics.

YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10 ** 40), 10 ** 40), st.floats(allow_nan=True),
                         st.text(max_size=12), st.dates(), st.sampled_from(["", "~", "null", "yes", "1_000", "0x1F",
                                                                            "2024-02-30", ".inf", "*a", "&a"]))
YAML_KEYS = ["name", "where", "all", "any", "none", "params", "type", "default", "tags", "table", "key",
             "attributes", "events", "lookups", "traits", "targets", "segments", "schema", "timezone", "values",
             "time", "on", "description", "channel", "x"]


def _paths(node: object, path: tuple[object, ...] = (), seen: set[int] | None = None) -> list[tuple[object, ...]]:
    """The path of every value, each shared (or self-holding) value entered once."""
    seen = set() if seen is None else seen
    found = [path]
    if isinstance(node, dict | list) and id(node) not in seen and len(path) < 30:
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            found += _paths(value, (*path, key), seen)
    return found


def _at(node: object, path: tuple[object, ...]) -> object:
    for step in path:
        node = node[step]  # type: ignore[index]
    return node


def _set(root: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    _at(root, path[:-1])[path[-1]] = value  # type: ignore[index]
    return root


@st.composite
def yaml_mutated(draw: st.DrawFn, texts: list[str]) -> str:
    import copy

    import yaml

    root: object = copy.deepcopy(yaml.safe_load(draw(st.sampled_from(texts))))
    deepened = False  # one deep nesting at most: two stacked (449 levels) are past what PyYAML's dumper can write
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(root)))
        node = _at(root, path)
        kind = draw(st.sampled_from(["scalar", "list", "mapping", "drop", "rename", "add", "share", "self", "bomb",
                                     "deep"]))
        if kind == "scalar":
            root = _set(root, path, draw(YAML_SCALARS))
        elif kind == "list":
            root = _set(root, path, [node] * draw(st.integers(0, 3)))
        elif kind == "mapping":
            root = _set(root, path, {draw(st.sampled_from(YAML_KEYS)): node})
        elif kind in ("drop", "rename") and isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            value = node.pop(key)
            if kind == "rename":
                node[draw(st.sampled_from(YAML_KEYS))] = value
        elif kind == "add" and isinstance(node, dict):
            node[draw(st.sampled_from(YAML_KEYS))] = draw(YAML_SCALARS)
        elif kind == "share" and path:  # the same object twice: an anchor and an alias
            other = draw(st.sampled_from(_paths(root)))
            if other[:len(path)] != path:
                root = _set(root, other, node)
        elif kind == "self" and isinstance(node, dict | list):  # a value holding itself
            if isinstance(node, dict):
                node[draw(st.sampled_from(YAML_KEYS))] = node
            else:
                node.append(node)
        elif kind == "bomb":
            layer: object = ["lol"] * 4
            for _ in range(draw(st.integers(1, 14))):
                layer = [layer] * 4
            root = _set(root, path, layer)
        elif kind == "deep" and not deepened:
            deepened = True
            nested: object = node
            for _ in range(draw(st.sampled_from([10, 199, 250]))):
                nested = [nested]
            root = _set(root, path, nested)
    return yaml.safe_dump(root, allow_unicode=True, sort_keys=False)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=yaml_mutated(SEGMENT_TEXTS))
def test_yaml_mutated_segment_files(project: Path, text: str) -> None:
    validate_bytes(project, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("name", ["schema.yml", "segql.yml"])
@settings(deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_yaml_mutated_schema_and_project_files(tmp_path_factory: pytest.TempPathFactory, name: str,
                                               data: st.DataObject) -> None:
    validate_project_file(tmp_path_factory.mktemp("yamlfuzz", numbered=True), name,
                          data.draw(yaml_mutated([(ACME / name).read_text()])))
