"""Segment files: one segment per file, or a `segments:` list; the `where` expression or tree.

Produces ast.SegmentDef nodes and diagnostics (shape, keys, expression syntax).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from segql import ast
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.source import SourceFile, Span
from segql.syntax.parser import parse_expression
from segql.syntax.yamlpos import Shape, YMap, YNode, YScalar, YSeq, describe, load_yaml

SEGMENT_KEYS = ("name", "description", "owner", "tags", "params", "where", "channel", "splits")
PRIORITY_KEYS = ("name", "description", "owner", "tags", "priority")
TREE_KEYS = ("all", "any", "none")
PARAM_TYPES = ("integer", "decimal", "float", "string", "boolean", "date", "timestamp")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TAGS = {"bool": "a boolean", "float": "a number", "timestamp": "a date"}  # what YAML reads a bare value as


def load_segment_file(source: SourceFile) -> tuple[list[ast.SegmentDef], list[Diagnostic]]:
    """Every segment the file defines, and the problems found in it."""
    shape = Shape()
    try:
        root = load_yaml(source)
    except DiagnosticError as err:
        return [], err.diagnostics
    stem = Path(source.path).stem
    if root is None or isinstance(root, YScalar) and root.is_null:
        shape.error("E106", "the file is empty, not a segment", Span(source, 0, 0), "",
                    "a segment file has at least a `where:` condition")
        return [], shape.problems
    if not isinstance(root, YMap):
        shape.error("E106", f"not a segment: the file holds {describe(root)}", root.span, "expected a mapping",
                    "a segment file is a mapping with `name:` and `where:`")
        return [], shape.problems
    if root.get("segments") is not None:
        shape.keys(root, ("segments",), "a file of segments")
        seq = shape.sequence(root.get("segments"), "`segments`")
        out = []
        for item in seq.items if seq else []:
            mapping = shape.mapping(item, "each entry of `segments`")
            if mapping is not None:
                seg = _priority_list(shape, mapping, None) if mapping.get("priority") is not None \
                    else _segment(shape, mapping, None)
                if seg is not None:
                    out.append(seg)
        return out, shape.problems
    if root.get("priority") is not None:
        listed = _priority_list(shape, root, stem)
        return ([listed] if listed else []), shape.problems
    if not any(root.get(k) is not None for k in SEGMENT_KEYS):
        keys = ", ".join(f"`{k.value}`" for k, _ in root.items[:4])
        shape.error("E106", "not a segment file", root.span, f"found {keys}",
                    "a segment file has `where:` (and usually `name:`); move other YAML files out of the segments folder")
        return [], shape.problems
    seg = _segment(shape, root, stem)
    return ([seg] if seg else []), shape.problems


def _segment(shape: Shape, node: YMap, default_name: str | None) -> ast.SegmentDef | None:
    shape.keys(node, SEGMENT_KEYS, "a segment", required=("where",) if default_name else ("name", "where"))
    name, span = _name_and_span(shape, node, default_name)
    tags_node = shape.sequence(node.get("tags"), "`tags`")
    tags = tuple(shape.text(t, "a tag") for t in tags_node.items) if tags_node else ()
    params = _params(shape, node.get("params"))
    where_node = node.get("where")
    channel_node = node.get("channel")
    splits = _splits(shape, node.get("splits"), node.key("splits"), name)
    if where_node is None:
        return None
    where = _where(shape, where_node, node.key("where"))
    if where is None or not name:
        return None
    return ast.SegmentDef(
        name, where, description=shape.text(node.get("description"), "`description`"),
        owner=shape.text(node.get("owner"), "`owner`"), tags=tags,
        channel=shape.text(node.get("channel"), "`channel`"), params=params, splits=splits, span=span,
        channel_span=channel_node.span if isinstance(channel_node, YScalar) else span,
    )


def _name_and_span(shape: Shape, node: YMap, default_name: str | None) -> tuple[str, Span]:
    name_node = shape.scalar(node.get("name"), "`name`")
    name = name_node.value if name_node is not None and not name_node.is_null else (default_name or "")
    span = name_node.span if name_node is not None else (node.items[0][0].span if node.items else node.span)
    if name_node is not None and not name_node.is_null and name_node.tag not in ("str", "int"):
        what = _TAGS.get(name_node.tag, "a value")
        shape.error("E231", f"`name: {name}` is not a name: YAML reads `{name}` as {what}", span, "not text",
                    f"quote it (`name: \"{name}\"`) if that is the segment's name")
    elif name and not _NAME.match(name):
        shape.error("E231", f"`{name}` is not a valid segment name", span, "letters, digits and _ only",
                    "segment names are referred to as `in segment NAME`; rename the file or set `name:`")
    return name, span


def _splits(shape: Shape, node: YNode | None, key: YScalar | None, segment: str) -> ast.Splits | None:
    """`splits: {salt: …, groups: {treatment: 90, holdout: 10}}` (DESIGN §3.13); shares are checked later."""
    mapping = shape.mapping(node, "`splits`")
    if mapping is None or key is None:
        return None
    shape.keys(mapping, ("salt", "groups"), "`splits`", required=("groups",))
    salt_node = shape.scalar(mapping.get("salt"), "the salt of `splits`")
    salt = salt_node.value if salt_node is not None and not salt_node.is_null else segment
    if salt_node is not None and not salt.strip():
        shape.error("E261", "the salt of `splits` is empty", salt_node.span, "no salt",
                    "leave `salt:` out to use the segment's name, or write a word such as `spring_2026`")
        return None
    groups_node = shape.mapping(mapping.get("groups"), "the groups of `splits`")
    if groups_node is None:
        return None
    groups: list[ast.SplitGroup] = []
    ok = True
    for group, share in groups_node.items:
        if not _NAME.match(group.value):
            shape.error("E231", f"`{group.value}` is not a valid group name", group.span, "letters, digits and _ only",
                        "groups are referred to as `in segment NAME.GROUP`")
            ok = False
            continue
        scalar = shape.scalar(share, f"the share of group `{group.value}`")
        percent: Decimal | None = None
        if scalar is not None and scalar.tag in ("int", "float"):
            try:
                percent = Decimal(scalar.value.replace("_", ""))
            except InvalidOperation:
                percent = None
        if percent is None or not percent.is_finite():
            shape.error("E261", f"the share of group `{group.value}` is not a percentage",
                        scalar.span if scalar is not None else group.span, "expected a number",
                        f"write the group's share of the members in percent, e.g. `{group.value}: 10`")
            ok = False
            continue
        groups.append(ast.SplitGroup(group.value, percent, span=group.span.to(scalar.span) if scalar else group.span))
    if not groups:
        if ok:
            shape.error("E261", "`splits` has no groups", groups_node.span, "no groups",
                        "write e.g. `groups: {treatment: 90, holdout: 10}`")
        return None
    if not ok:
        return None
    span = key.span
    return ast.Splits(salt, tuple(groups), span=span,
                      salt_span=salt_node.span if salt_node is not None else span)


def _priority_list(shape: Shape, node: YMap, default_name: str | None) -> ast.SegmentDef | None:
    """A priority list: `name:` and `priority: [s1, s2, …]`, each customer assigned to the first segment of the list
    whose condition holds (DESIGN §3.13). Its `where` is the union of the segments (the checker builds the rest)."""
    shape.keys(node, PRIORITY_KEYS, "a priority list", required=("priority",) if default_name else ("name", "priority"))
    name, span = _name_and_span(shape, node, default_name)
    tags_node = shape.sequence(node.get("tags"), "`tags`")
    tags = tuple(shape.text(t, "a tag") for t in tags_node.items) if tags_node else ()
    seq = shape.sequence(node.get("priority"), "`priority`")
    items: list[ast.InSegment] = []
    for item in seq.items if seq else []:
        scalar = shape.scalar(item, "a segment of the priority list")
        if scalar is None or scalar.is_null:
            continue
        if not _NAME.match(scalar.value):
            shape.error("E231", f"`{scalar.value}` is not a segment name", scalar.span, "letters, digits and _ only",
                        "a priority list names segments, most important first: `priority: [vip, lapsed]`")
            continue
        items.append(ast.InSegment(scalar.value, span=scalar.span, name_span=scalar.span))
    if seq is not None and not seq.items:
        shape.error("E116", "`priority` is empty", seq.span, "no segments",
                    "name the segments, most important first: `priority: [vip, lapsed]`")
    if not items or not name:
        return None
    where: ast.Expr = items[0] if len(items) == 1 else ast.Or(tuple(items), span=seq.span if seq else span)
    return ast.SegmentDef(name, where, description=shape.text(node.get("description"), "`description`"),
                          owner=shape.text(node.get("owner"), "`owner`"), tags=tags, priority=tuple(items), span=span)


def _params(shape: Shape, node: YNode | None) -> tuple[ast.ParamDef, ...]:
    mapping = shape.mapping(node, "`params`")
    out = []
    for key, spec in mapping.items if mapping else []:
        if not _NAME.match(key.value):
            shape.error("E226", f"`{key.value}` is not a valid parameter name", key.span, "letters, digits and _ only")
            continue
        default: YScalar | None = None
        if isinstance(spec, YMap):
            shape.keys(spec, ("type", "default", "description"), f"parameter `{key.value}`", required=("type",))
            kind = shape.scalar(spec.get("type"), "the type of a parameter")
            default = shape.scalar(spec.get("default"), "the default of a parameter")
        else:
            kind = shape.scalar(spec, "the type of a parameter")
        if kind is None or kind.is_null:
            continue
        if kind.value not in PARAM_TYPES:
            shape.error("E226", f"unknown parameter type `{kind.value}`", kind.span, "not a parameter type",
                        did_you_mean(kind.value, PARAM_TYPES) or "the types are " + ", ".join(PARAM_TYPES))
            continue
        given = default if default is not None and not default.is_null else None
        out.append(ast.ParamDef(key.value, kind.value, given.value if given is not None else None,
                                span=key.span, default_span=given.span if given is not None else key.span,
                                type_span=kind.span))
    return tuple(out)


def _where(shape: Shape, node: YNode, key: YScalar | None) -> ast.Expr | None:
    """An expression (a string) or a tree of all/any/none lists."""
    if isinstance(node, YScalar):
        return _expression(shape, node)
    if isinstance(node, YMap):
        return _tree(shape, node)
    shape.error("E116", "`where` must be a condition or a mapping of `all:`/`any:`/`none:`, not a list",
                node.span, "a list here", "put the list under `all:` (every item holds) or `any:`")
    return None


def _expression(shape: Shape, node: YScalar) -> ast.Expr | None:
    if node.is_null or not node.value.strip():
        shape.error("E115", "empty condition", node.span, "a condition is needed here",
                    "write a condition, e.g. `email_opt_in`")
        return None
    try:
        return parse_expression(node.value, node.span.source, node.offsets())
    except DiagnosticError as err:
        shape.problems.extend(err.diagnostics)
        return None


def _tree(shape: Shape, node: YMap) -> ast.Expr | None:
    parts: list[ast.Expr] = []
    ok = True
    for key, value in node.items:
        if key.value not in TREE_KEYS:
            shape.error("E116", f"unknown key `{key.value}` in a `where` tree", key.span, "not all, any or none",
                        did_you_mean(key.value, TREE_KEYS) or "use `all:`, `any:` or `none:`")
            ok = False
            continue
        seq = value if isinstance(value, YSeq) else None
        if seq is None:
            if isinstance(value, YScalar) and not value.is_null:
                items_nodes: list[YNode] = [value]  # `all: x > 1` — a single condition
            else:
                shape.error("E116", f"`{key.value}:` must hold a list of conditions", value.span, "expected a list",
                            f"write `{key.value}:` followed by `- condition` lines")
                ok = False
                continue
        else:
            items_nodes = seq.items
        if not items_nodes:
            shape.error("E116", f"`{key.value}:` is empty", value.span, "no conditions",
                        "add at least one condition, or remove the key")
            ok = False
            continue
        items = []
        for item in items_nodes:
            expr = _expression(shape, item) if isinstance(item, YScalar) else (
                _tree(shape, item) if isinstance(item, YMap) else None)
            if isinstance(item, YSeq):
                shape.error("E116", "a list inside a list: nest it under `all:`, `any:` or `none:`", item.span,
                            "unexpected list")
            if expr is None:
                ok = False
            else:
                items.append(expr)
        if not ok:
            continue
        span = key.span.to(value.span)
        if key.value == "all":
            parts.append(items[0] if len(items) == 1 else ast.And(tuple(items), span=span))
        elif key.value == "any":
            parts.append(items[0] if len(items) == 1 else ast.Or(tuple(items), span=span))
        else:
            inner = items[0] if len(items) == 1 else ast.Or(tuple(items), span=span)
            parts.append(ast.Not(inner, span=span))
    if not ok:
        return None
    if not parts:
        shape.error("E116", "empty `where` tree", node.span, "no conditions", "add `all:`, `any:` or `none:`")
        return None
    return parts[0] if len(parts) == 1 else ast.And(tuple(parts), span=node.span)
