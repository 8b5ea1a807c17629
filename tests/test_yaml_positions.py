"""YAML with positions: where diagnostics land inside every kind of scalar, and YAML-level mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from segql.diagnostics import DiagnosticError
from segql.source import SourceFile
from segql.syntax.segments import load_segment_file
from segql.syntax.yamlpos import YMap, YScalar, YSeq, load_yaml, read_source


def problems(text: str) -> list[tuple[str, int, int, str]]:
    """(code, line, column, text under the span) of every problem of a segment file."""
    _, found = load_segment_file(SourceFile("s.yml", text))
    return [(d.code, d.span.line, d.span.column, text[d.span.start:d.span.end]) for d in found]


# Each expression has one mistake, `>>` (the second `>` is reported) or an unknown escape;
# the table says where it is in the file.
EXPRESSION_POSITIONS = [
    ("plain, one line", 'where: x >> 1\n', ("E110", 1, 11, ">")),
    ("plain, continued on the next line", "where: email_opt_in\n  and x >> 1\n", ("E110", 2, 10, ">")),
    ("plain, three lines", "where: a\n  and b\n    and x >> 1\n", ("E110", 3, 12, ">")),
    ("literal block |", "where: |\n  email_opt_in\n  and lifetime_value >> 1\n", ("E110", 3, 23, ">")),
    ("literal block |-", "where: |-\n  x >>\n", ("E110", 2, 6, ">")),
    ("literal block |+ with blank lines", "where: |+\n\n  a\n\n  and x >> 1\n\n", ("E110", 5, 10, ">")),
    ("literal block with explicit indent", "where: |2\n    x >> 1\n", ("E110", 2, 8, ">")),
    ("literal block, deeper indent", "where: |\n      x\n      and y >> 1\n", ("E110", 3, 14, ">")),
    ("folded block >", "where: >\n  email_opt_in\n  and lifetime_value >> 1\n", ("E110", 3, 23, ">")),
    ("folded block >-", "where: >-\n  a and\n  x >> 1\n", ("E110", 3, 6, ">")),
    ("folded, more-indented line", "where: >\n  a\n    and x >> 1\n", ("E110", 3, 12, ">")),
    ("single-quoted", "where: 'x >> 1'\n", ("E110", 1, 12, ">")),
    ("single-quoted with ''", "where: 'email = ''a'' and x >> 1'\n", ("E110", 1, 30, ">")),
    ("single-quoted, two lines", "where: 'a and\n  x >> 1'\n", ("E110", 2, 6, ">")),
    ("double-quoted", 'where: "x >> 1"\n', ("E110", 1, 12, ">")),
    ("double-quoted with \\\"", 'where: "email = \\"a\\" and x >> 1"\n', ("E110", 1, 30, ">")),
    ("double-quoted with \\\\", 'where: "email = \\"\\\\\\\\\\" and x >> 1"\n', ("E110", 1, 33, ">")),
    ("double-quoted, two lines", 'where: "a and\n  x >> 1"\n', ("E110", 2, 6, ">")),
    ("tree item", "where:\n  all:\n    - email_opt_in\n    - x >> 1\n", ("E110", 4, 10, ">")),
    ("nested tree item", "where:\n  all:\n    - a\n    - any:\n        - b\n        - x >> 1\n", ("E110", 6, 14, ">")),
    ("tree item, block", "where:\n  none:\n    - |\n      a\n      and x >> 1\n", ("E110", 5, 14, ">")),
    ("tree item, quoted", "where:\n  any:\n    - 'x >> 1'\n", ("E110", 3, 11, ">")),
    ("flow sequence item", "where:\n  all: [a, x >> 1]\n", ("E110", 2, 15, ">")),
    ("after a comment line", "# heading\nname: n\nwhere: x >> 1  # trailing comment\n", ("E110", 3, 11, ">")),
    ("a comment inside the expression", "where: |\n  a  # first\n  and x >> 1\n", ("E110", 3, 10, ">")),
    ("unicode before the mistake", 'where: |\n  email = "é—ü"\n  and x >> 1\n', ("E110", 3, 10, ">")),
    ("unknown escape in a block", 'where: |\n  email = "a\\qb"\n', ("E114", 2, 13, "\\q")),
    ("unknown escape, YAML-escaped backslash", 'where: "email = \\"a\\\\qb\\""\n', ("E114", 1, 20, "\\\\q")),
    ("after a CR-LF free BOM", "\ufeffwhere: x >> 1\n", ("E110", 1, 12, ">")),
    ("in a `segments:` list", "segments:\n  - name: a\n    where: |\n      x >> 1\n", ("E110", 4, 10, ">")),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in EXPRESSION_POSITIONS],
                         ids=[i for i, _, _ in EXPRESSION_POSITIONS])
def test_expression_diagnostic_position(text: str, expected: tuple[str, int, int, str]) -> None:
    assert problems(text) == [expected]


# YAML-level mistakes: (code, line, column) and a fragment of the message or hint.
YAML_PROBLEMS = [
    ("duplicate key", "name: a\nname: b\nwhere: x\n", [("E102", 2, 1)], "already given on line 1"),
    ("duplicate where", "where: x\nwhere: y\n", [("E102", 2, 1)], "silently keep only the last"),
    ("duplicate tree key", "where:\n  all:\n    - a\n  all:\n    - b\n", [("E102", 4, 3)], "duplicate key `all`"),
    ("duplicate param", "params:\n  p: integer\n  p: string\nwhere: x\n", [("E102", 3, 3)], "duplicate key `p`"),
    ("every duplicate at once", "name: a\nname: b\nwhere: x\nwhere: y\n", [("E102", 2, 1), ("E102", 4, 1)], ""),
    ("tab indentation", "where:\n\tall: x\n", [("E101", 2, 1)], "tabs"),
    ("tab after a key", "name: a\nwhere:\n  all:\n\t- x\n", [("E101", 4, 1)], "tabs"),
    ("unclosed flow sequence", "name: a\nwhere: [a, b\ntags: [x]\n", [("E101", 3, 5)], "started on line 2"),
    ("unclosed flow sequence, next key", "tags: [a, b\nwhere: x\n", [("E101", 2, 6)], "started on line 1"),
    ("unclosed flow mapping", "params: {p: integer\nwhere: x\n", [("E101", 2, 6)], "started on line 1"),
    ("unclosed quote", "where: 'abc\n", [("E101", 2, 1)], "never closed"),
    ("colon in a plain value", "where: a: b\n", [("E101", 1, 9)], "must be quoted"),
    ("two documents", "---\nwhere: x\n---\nwhere: y\n", [("E101", 3, 1)], "one document"),
    ("a list key", "? [a]\n: b\nwhere: x\n", [("E103", 1, 3)], "plain name"),
    ("empty file", "", [("E106", 1, 1)], "empty"),
    ("only a comment", "# nothing here\n", [("E106", 1, 1)], "empty"),
    ("a list", "- a\n- b\n", [("E106", 1, 1)], "holds a list"),
    ("a single value", "hello\n", [("E106", 1, 1)], "holds a single value"),
    ("another kind of YAML", "apiVersion: v1\nkind: Pod\n", [("E106", 1, 1)], "move other YAML files"),
    ("unknown key", "wher: x\nwhere: y\n", [("E105", 1, 1)], "did you mean `where`?"),
    ("missing where", "name: a\n", [("E104", 1, 1)], "add `where: …`"),
    ("where is a list", "where:\n  - a\n  - b\n", [("E116", 2, 3)], "under `all:`"),
    ("empty where", "where:\n", [("E115", 1, 7)], "email_opt_in"),
    ("empty quoted where", 'where: ""\n', [("E115", 1, 8)], "write a condition"),
    ("empty tree", "where: {}\n", [("E116", 1, 8)], "empty `where` tree"),
    ("unknown tree key", "where:\n  alll:\n    - x\n", [("E116", 2, 3)], "did you mean `all`?"),
    ("empty any", "where:\n  any: []\n", [("E116", 2, 8)], "is empty"),
    ("empty tree item", "where:\n  all:\n    -\n    - x\n", [("E115", 3, 6)], "empty condition"),
    ("list in a list", "where:\n  all:\n    - - x\n", [("E116", 3, 7)], "list inside a list"),
    ("tags not a list", "where: x\ntags: retention\n", [("E103", 2, 7)], "`[a, b]`"),
    ("name not a value", "name: [a]\nwhere: x\n", [("E103", 1, 7)], "single value"),
    ("bad segment name", "name: 9lives\nwhere: x\n", [("E231", 1, 7)], "not a valid segment name"),
    ("bad param type", "params:\n  p: {type: intger}\nwhere: x\n", [("E226", 2, 13)], "did you mean `integer`?"),
    ("bad param name", 'params:\n  "a b": integer\nwhere: x\n', [("E226", 2, 3)], "not a valid parameter name"),
    ("param without type", "params:\n  p: {default: 1}\nwhere: x\n", [("E104", 2, 6)], "has no `type`"),
    ("list entry without name", "segments:\n  - where: x\n  - name: b\n", [("E104", 2, 5), ("E104", 3, 5)], ""),
    ("segments not a list", "segments: vip\n", [("E103", 1, 11)], "must be a list"),
]


@pytest.mark.parametrize(("text", "expected", "fragment"), [(t, e, f) for _, t, e, f in YAML_PROBLEMS],
                         ids=[i for i, _, _, _ in YAML_PROBLEMS])
def test_yaml_problem(text: str, expected: list[tuple[str, int, int]], fragment: str) -> None:
    _, found = load_segment_file(SourceFile("s.yml", text))
    assert [(d.code, d.span.line, d.span.column) for d in found] == expected
    assert any(fragment in d.message or fragment in d.hint or fragment in d.label for d in found)


def test_yaml_error_at_the_end_of_a_file_without_newline() -> None:
    _, found = load_segment_file(SourceFile("s.yml", "where: [a, b"))
    (d,) = found
    assert (d.code, d.span.line) == ("E101", 1)
    assert d.span.column > 8  # at the end of the line, not at `where`


def test_a_file_with_only_a_document_marker_is_empty() -> None:
    _, found = load_segment_file(SourceFile("s.yml", "---\n"))
    (d,) = found
    assert d.code == "E106" and "empty" in d.message


def test_spans_are_never_inverted_at_the_end_of_a_file_without_newline() -> None:
    _, found = load_segment_file(SourceFile("s.yml", "segments:\n  - name: a\n    where: x\n  - name:"))
    (d,) = found
    assert (d.code, d.span.line, d.span.column) == ("E104", 4, 5)
    assert d.span.start <= d.span.end


def test_a_problem_in_every_item_is_reported() -> None:
    text = "where:\n  all:\n    - a >> 1\n    - any:\n        - b >> 2\n  none:\n    - c >> 3\n"
    assert [p[:3] for p in problems(text)] == [("E110", 3, 10), ("E110", 5, 14), ("E110", 7, 10)]


# ---- the positioned YAML nodes themselves ----


def test_scalars_remember_style_tag_and_span() -> None:
    text = "a: plain\nb: 'single'\nc: \"double\"\nd: |\n  block\ne: >\n  folded\nf: 12\ng: true\nh:\n"
    root = load_yaml(SourceFile("f.yml", text))
    assert isinstance(root, YMap)
    got = {}
    for key, value in root.items:
        assert isinstance(value, YScalar)
        style = value.style or None  # libyaml says "" for plain scalars, the pure-Python loader None
        got[key.value] = (value.value, style, value.tag, value.span.line, value.span.column)
    assert got == {
        "a": ("plain", None, "str", 1, 4),
        "b": ("single", "'", "str", 2, 4),
        "c": ("double", '"', "str", 3, 4),
        "d": ("block\n", "|", "str", 4, 4),
        "e": ("folded\n", ">", "str", 6, 4),
        "f": ("12", None, "int", 8, 4),
        "g": ("true", None, "bool", 9, 4),
        "h": ("", None, "null", 10, 3),
    }


def test_sequences_and_maps_have_spans() -> None:
    root = load_yaml(SourceFile("f.yml", "top:\n  - x\n  - {k: v}\n"))
    assert isinstance(root, YMap)
    seq = root.get("top")
    assert isinstance(seq, YSeq) and (seq.span.line, seq.span.column) == (2, 3)
    inner = seq.items[1]
    assert isinstance(inner, YMap) and (inner.span.line, inner.span.column) == (3, 5)
    assert root.key("top") is not None and root.key("nope") is None


@pytest.mark.parametrize("text", [
    "where: |\n  a\n  and b = \"x\"\n",
    "where: >\n  a\n  and b = 'x'\n",
    "where: 'a and\n  b = \"x\"'\n",
    'where: "a and\\n  b = \\"\\u00e9\\""\n',
    "where: a\n   and   b\n",
])
def test_offsets_point_at_the_characters_of_the_value(text: str) -> None:
    root = load_yaml(SourceFile("f.yml", text))
    assert isinstance(root, YMap)
    scalar = root.get("where")
    assert isinstance(scalar, YScalar)
    offsets = scalar.offsets()
    assert len(offsets) == len(scalar.value) + 1
    assert offsets == sorted(offsets)
    for ch, offset in zip(scalar.value, offsets, strict=False):
        if ch.isalpha() and ch.isascii():
            assert text[offset] == ch


# ---- reading files ----


def test_non_utf8_file_is_e100(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("where: country = \"Düsseldorf\"\n".encode("latin-1"))
    with pytest.raises(DiagnosticError) as info:
        read_source(str(path), "segments/latin1.yml")
    (d,) = info.value.diagnostics
    assert d.code == "E100" and "not UTF-8" in d.message and "UTF-8" in d.hint
    assert d.span.path == "segments/latin1.yml"


def test_binary_file_is_e100(tmp_path: Path) -> None:
    path = tmp_path / "image.yml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DiagnosticError) as info:
        read_source(str(path))
    assert [d.code for d in info.value.diagnostics] == ["E100"]


def test_nul_bytes_in_utf8_is_e100(tmp_path: Path) -> None:
    path = tmp_path / "nul.yml"
    path.write_bytes(b"where: x\x00\n")
    with pytest.raises(DiagnosticError) as info:
        read_source(str(path))
    (d,) = info.value.diagnostics
    assert d.code == "E100" and "binary" in d.message


def test_missing_file_is_e100(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        read_source(str(tmp_path / "gone.yml"), "gone.yml")
    (d,) = info.value.diagnostics
    assert d.code == "E100" and "gone.yml" in d.message


def test_crlf_and_bom_are_read_as_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yml"
    path.write_bytes(b"\xef\xbb\xbfname: a\r\nwhere: |\r\n  email_opt_in\r\n  and x >> 1\r\n")
    source = read_source(str(path), "crlf.yml")
    assert "\r" not in source.text and not source.text.startswith("\ufeff")
    _, found = load_segment_file(source)
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("E110", 4, 10)]


def test_deeply_nested_yaml_is_a_diagnostic() -> None:
    text = "where: " + "[" * 300 + "]" * 300 + "\n"
    _, found = load_segment_file(SourceFile("deep.yml", text))
    assert found and all(d.code in ("E101", "E116") for d in found)
