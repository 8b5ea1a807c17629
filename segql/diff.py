"""`segql diff`: what a change does to the segments — definitions, SQL and (on a target) members.

Compares a project at a git revision (read with `git ls-tree`/`git cat-file`) with the working tree,
through the same load → check → compile pipeline. Returns a report and renders it; never prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segql import api, ast
from segql.check.tree import CheckedSegment, SegmentRef, TraitRef
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem, diagnostic_dict
from segql.project import PROJECT_FILE

SAMPLE_SIZE = 10
JSON_VERSION = 1


@dataclass(slots=True)
class MemberDelta:
    """Members of one segment before and after (None: that side does not exist or could not run)."""

    before: int | None
    after: int | None
    added: int
    removed: int
    added_sample: list[Any]  # the first SAMPLE_SIZE keys in key order
    removed_sample: list[Any]


@dataclass(slots=True)
class SegmentChange:
    name: str
    status: str  # "added", "removed" or "changed"
    reasons: list[str]  # "definition", "trait:NAME", "segment:NAME", "channel:NAME", "schema"
    file: str | None  # the segment's file in the working tree (None when removed)
    base_file: str | None  # its file at the base revision (None when added)
    definition_changed: bool
    sql_changed: bool
    definition_diff: str  # unified diff of the segment's file text ("" when unchanged)
    sql_diff: str  # unified diff of the compiled SQL ("" when unchanged or unknown)
    members: MemberDelta | None  # None without a target, or when a side could not run
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DiffReport:
    project: str
    base_rev: str
    base_commit: str
    base_found: bool  # False when the revision has no segql.yml at the project's path
    base_errors: list[Diagnostic]
    dialect: str
    target: str | None
    as_of: dt.date
    changes: list[SegmentChange]
    unchanged: list[str]
    file_diffs: dict[str, str] = field(default_factory=dict)  # segql.yml and schema.yml: path -> unified diff

    def counts(self) -> dict[str, int]:
        out = {s: sum(1 for c in self.changes if c.status == s) for s in ("added", "removed", "changed")}
        out["unchanged"] = len(self.unchanged)
        return out


# ---- the base revision, read from git ----


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageProblem("`segql diff` needs git, and no `git` command was found") from None


def _git_text(cwd: Path, *args: str) -> str:
    done = _git(cwd, *args)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageProblem(f"git {args[0]} failed: {message[-1] if message else 'no message'}")
    return done.stdout.decode(errors="replace").strip()


def resolve_revision(root: Path, rev: str) -> tuple[str, str]:
    """The commit id a revision names and the project's folder inside the repository ('' or 'a/b/')."""
    inside = _git(root, "rev-parse", "--git-dir")
    if inside.returncode != 0:
        said = inside.stderr.decode(errors="replace").strip().splitlines()
        detail = f" (git: {said[0].removeprefix('fatal: ')})" if said and "not a git repository" not in said[0] else ""
        raise UsageProblem(f"`{root}` is not inside a git repository, so there is no revision to compare with{detail}")
    if not rev or rev.startswith("-"):
        raise UsageProblem(f"`{rev}` is not a git revision")
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if done.returncode != 0:
        raise UsageProblem(f"`{rev}` is not a commit in this repository; in CI, check out with `fetch-depth: 0` "
                           "so that the base branch is there")
    prefix = _git_text(root, "rev-parse", "--show-prefix")
    return done.stdout.decode().strip(), prefix


def extract_revision(root: Path, commit: str, prefix: str, into: Path) -> bool:
    """Write the YAML files of the project folder at `commit` under `into`; False if it has no segql.yml."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    if listing.returncode != 0:
        raise UsageProblem(f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}")
    blobs: list[tuple[str, str]] = []
    for entry in listing.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != "blob" or parts[0] == "120000":
            continue  # trees, submodules and symbolic links are not project files
        if path.startswith(prefix) and path.endswith((".yml", ".yaml")):
            blobs.append((parts[2], path[len(prefix):]))
    if blobs:
        done = _git(root, "cat-file", "--batch", stdin="".join(sha + "\n" for sha, _ in blobs).encode())
        if done.returncode != 0:
            raise UsageProblem(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
        data, at = done.stdout, 0
        for _, relative in blobs:
            header_end = data.index(b"\n", at)
            size = int(data[at:header_end].split()[2])
            body = data[header_end + 1:header_end + 1 + size]
            at = header_end + 1 + size + 1
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    return (into / PROJECT_FILE).is_file()


# ---- comparing the two sides ----


def _walk(node: Any) -> Iterator[Any]:
    """Every node of a checked tree, including the bodies of traits and referenced segments."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            yield item
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "span")


def traits_used(segment: CheckedSegment) -> set[str]:
    return {n.name for n in _walk(segment.condition) if isinstance(n, TraitRef)}


def _segments_used(segment: CheckedSegment) -> set[str]:
    return set(segment.references) | {n.name for n in _walk(segment.condition) if isinstance(n, SegmentRef)}


def _diff_text(old: str, new: str, old_name: str, new_name: str) -> str:
    before = old_name if old_name == "/dev/null" else f"a/{old_name}"
    after = new_name if new_name == "/dev/null" else f"b/{new_name}"
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), before, after, lineterm="")
    return "\n".join(lines)


def _today(timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    try:
        return dt.datetime.now(ZoneInfo(timezone)).date()
    except (ValueError, KeyError):
        return dt.datetime.now(dt.UTC).date()


def _json_key(value: Any) -> Any:
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else str(value)


class _Side:
    """One side of the comparison: its definitions, checked segments, and compiled SQL on demand."""

    def __init__(self, ws: api.Workspace, dialect: str, as_of: dt.date) -> None:
        self.ws = ws
        self.dialect = dialect
        self.as_of = as_of
        self.defs: dict[str, ast.SegmentDef] = {}
        for d in ws.loaded.segments:
            self.defs.setdefault(d.name, d)
        self._sql: dict[str, str | None] = {}
        self.problems: dict[str, str] = {}
        # each group of a segment's splits or priority list, as a segment `s.group` (its members compared too)
        self.groups: dict[str, tuple[str, CheckedSegment]] = {
            f"{s.name}.{g.name}": (s.name, dataclasses.replace(s, name=f"{s.name}.{g.name}", condition=g.condition,
                                                                groups=(), group_kind=""))
            for s in ws.result.segments.values() for g in s.groups}

    def segment(self, name: str) -> CheckedSegment | None:
        group = self.groups.get(name)
        return group[1] if group is not None else self.ws.result.segments.get(name)

    def sql(self, name: str) -> str | None:
        if name not in self._sql:
            segment = self.segment(name)
            text = None
            if segment is None:
                self.problems[name] = "it has errors"
            else:
                try:
                    text = api.compile_sql(self.ws, segment, self.dialect, self.as_of)
                except DiagnosticError as err:
                    self.problems[name] = err.diagnostics[0].message
            self._sql[name] = text
        return self._sql[name]

    def file(self, name: str) -> tuple[str, str] | None:
        d = self.defs.get(name)
        if d is None or d.span.source is None:
            return None
        return d.span.source.path, d.span.source.text


def _reasons(name: str, old: _Side, new: _Side) -> list[str]:
    """What explains a change of a segment's SQL besides its own definition."""
    segment = new.segment(name)
    assert segment is not None
    reasons = []
    old_traits, new_traits = old.ws.loaded.schema.traits, new.ws.loaded.schema.traits
    for trait in sorted(traits_used(segment)):
        before, after = old_traits.get(trait), new_traits.get(trait)
        if before is None or after is None or (before.expr, before.sql, before.type) != (after.expr, after.sql, after.type):
            reasons.append(f"trait:{trait}")
    for other in sorted(_segments_used(segment)):
        if old.defs.get(other) != new.defs.get(other):
            reasons.append(f"segment:{other}")
    channel = segment.channel
    if channel:
        before_c, after_c = old.ws.project.channels.get(channel), new.ws.project.channels.get(channel)
        if (before_c.requires if before_c else None) != (after_c.requires if after_c else None):
            reasons.append(f"channel:{channel}")
    return reasons


def _members(engine: Any, sql: str | None) -> list[Any] | None:
    if sql is None:
        return None
    _, rows = engine.query(sql)
    return sorted({row[0] for row in rows}, key=lambda k: (str(type(k)), k))


def _delta(before: list[Any] | None, after: list[Any] | None) -> MemberDelta:
    old, new = set(before or ()), set(after or ())
    added = sorted(new - old, key=lambda k: (str(type(k)), k))
    removed = sorted(old - new, key=lambda k: (str(type(k)), k))
    return MemberDelta(None if before is None else len(before), None if after is None else len(after),
                       len(added), len(removed), [_json_key(k) for k in added[:SAMPLE_SIZE]],
                       [_json_key(k) for k in removed[:SAMPLE_SIZE]])


def diff_project(ws: api.Workspace, rev: str, *, target: str | None = None, as_of: dt.date | None = None,
                 dialect: str = "duckdb") -> DiffReport:
    """Compare the project at git revision `rev` with `ws` (the working tree, already checked).

    With a target, each changed, added or removed segment is run on it on both sides (same as-of date).
    Bad revisions raise UsageProblem; errors at the base are reported, not raised.
    """
    root = ws.project.root
    commit, prefix = resolve_revision(root, rev)
    chosen = ws.target(target) if target is not None else None
    day = as_of or _today(ws.project.timezone)
    with tempfile.TemporaryDirectory(prefix="segql-diff-") as tmp:
        base_root = Path(tmp) / (root.resolve().name or "project")
        base_root.mkdir()
        found = extract_revision(root, commit, prefix, base_root)
        engine = api.connect(ws, chosen) if chosen is not None else None
        try:
            sql_dialect = engine.dialect if engine is not None else dialect
            if found:
                loaded = api.load(base_root)
                result = api.check(loaded)
                base_errors = [d for d in result.diagnostics if d.is_error]
            else:
                loaded = api.Loaded(ws.project, api.load_schema_placeholder(), [])
                result, base_errors = api.check(loaded), []
            old = _Side(api.Workspace(loaded, result), sql_dialect, day)
            new = _Side(ws, sql_dialect, day)
            changes, unchanged = _compare(old, new, engine)
        finally:
            if engine is not None:
                engine.close()
    return DiffReport(ws.project.name, rev, commit, found, base_errors, sql_dialect,
                      chosen.name if chosen else None, day, changes, unchanged,
                      _project_diffs(loaded, ws.loaded) if found else {})


def _project_diffs(old: api.Loaded, new: api.Loaded) -> dict[str, str]:
    """Diffs of segql.yml and schema.yml, which change segments without touching their files."""
    out = {}
    old_schema, new_schema = old.schema.source, new.schema.source
    for before, after in ((old.project.source, new.project.source), (old_schema, new_schema)):
        old_text, new_text = (before.text if before else ""), (after.text if after else "")
        if old_text != new_text:
            name = after.path if after else before.path if before else "?"
            out[name] = _diff_text(old_text, new_text, name, name)
    return out


def _compare(old: _Side, new: _Side, engine: Any) -> tuple[list[SegmentChange], list[str]]:
    changes: list[SegmentChange] = []
    unchanged: list[str] = []
    for name in sorted(set(old.defs) | set(new.ws.result.segments) | set(old.groups) | set(new.groups)):
        parent = (old.groups.get(name) or new.groups.get(name) or (name,))[0]
        grouped = parent != name  # a group `s.group`: its definition is its segment's
        in_old = name in (old.groups if grouped else old.defs)
        in_new = name in (new.groups if grouped else new.ws.result.segments)
        old_file, new_file = old.file(parent), new.file(parent)
        old_sql = old.sql(name) if in_old else None
        new_sql = new.sql(name) if in_new else None
        notes: list[str] = []
        if in_old and old_sql is None:
            notes.append(f"could not be compiled at the base revision: {old.problems[name]}")
        if in_new and new_sql is None:
            notes.append(f"could not be compiled in the working tree: {new.problems[name]}")
        if in_old and in_new:
            def_changed = old.defs[parent] != new.defs[parent]
            sql_known = old_sql is not None and new_sql is not None
            sql_changed = sql_known and old_sql != new_sql
            if not def_changed and not sql_changed and (sql_known or old_sql == new_sql):
                unchanged.append(name)
                continue
            status = "changed"
            reasons = ["definition"] if def_changed else []
            if sql_changed or not sql_known:
                reasons += _reasons(name, old, new)
            if sql_changed and not reasons:
                reasons.append("schema")
        else:
            status = "added" if in_new else "removed"
            def_changed, sql_changed, reasons = True, old_sql != new_sql, []
        definition_diff = ""
        if (def_changed or status != "changed") and not grouped:  # a group's is its segment's
            before, after = old_file or ("/dev/null", ""), new_file or ("/dev/null", "")
            if before[1] != after[1]:
                definition_diff = _diff_text(before[1], after[1], before[0], after[0])
        sql_diff = ""
        if sql_changed:
            sql_diff = _diff_text(old_sql or "", new_sql or "", f"{name}.sql", f"{name}.sql")
        members = None
        if engine is not None and (sql_changed or status != "changed"):
            before_m = _run_old(engine, old_sql, notes)
            after_m = _members(engine, new_sql)
            if (before_m is not None or not in_old) and (after_m is not None or not in_new):
                members = _delta(before_m, after_m)
        changes.append(SegmentChange(
            name, status, reasons, new_file[0] if new_file else None, old_file[0] if old_file else None,
            def_changed, sql_changed, definition_diff, sql_diff, members, notes))
    return changes, unchanged


def _run_old(engine: Any, sql: str | None, notes: list[str]) -> list[Any] | None:
    """The base side's members: its SQL may no longer fit the target (a dropped column); that is a note."""
    try:
        return _members(engine, sql)
    except DiagnosticError as err:
        notes.append(f"the base revision's SQL failed on the target: {err.diagnostics[0].message}")
        return None


# ---- rendering ----


def to_json(report: DiffReport) -> dict[str, Any]:
    """The stable JSON shape of a report (documented in docs/cli.md; `version` changes if it does)."""
    return {
        "version": JSON_VERSION,
        "project": report.project,
        "base": {"rev": report.base_rev, "commit": report.base_commit, "project_found": report.base_found,
                 "errors": [diagnostic_dict(d) for d in report.base_errors]},
        "target": report.target,
        "dialect": report.dialect,
        "as_of": report.as_of.isoformat(),
        "summary": report.counts(),
        "segments": [
            {"name": c.name, "status": c.status, "reasons": c.reasons, "file": c.file, "base_file": c.base_file,
             "definition_changed": c.definition_changed, "sql_changed": c.sql_changed,
             "definition_diff": c.definition_diff, "sql_diff": c.sql_diff,
             "members": dataclasses.asdict(c.members) if c.members else None, "notes": c.notes}
            for c in report.changes
        ],
        "unchanged": report.unchanged,
        "file_diffs": report.file_diffs,
    }


def render_json(report: DiffReport) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


def _reason_text(reason: str) -> str:
    kind, _, name = reason.partition(":")
    return f"{kind} `{name}`" if name else kind


def _cell(value: int | None, sign: str = "") -> str:
    return "–" if value is None else f"{sign}{value}"


def _fence(text: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _keys(sample: list[Any], total: int) -> str:
    shown = ", ".join(f"`{str(k).replace('`', '')}`" for k in sample)
    return shown + (f", … ({total - len(sample)} more)" if total > len(sample) else "")


def render_markdown(report: DiffReport) -> str:
    """A report that reads well as a pull-request comment."""
    counts = report.counts()
    out = [f"### segql diff: `{report.base_rev}` → working tree", ""]
    where = f"target `{report.target}`" if report.target else f"no target ({report.dialect} SQL only)"
    out.append(f"Project `{report.project}` · base `{report.base_commit[:12]}` · {where} · as of "
               f"{report.as_of.isoformat()} — **{counts['changed']} changed, {counts['added']} added, "
               f"{counts['removed']} removed**, {counts['unchanged']} unchanged.")
    out.append("")
    if not report.base_found:
        out += ["> The base revision has no segql project at this path: every segment is new.", ""]
    if report.base_errors:
        n = len(report.base_errors)
        out.append(f"> ⚠️ The base revision's project has {n} error{'s' if n != 1 else ''}; segments that did not "
                   "check there are compared by definition only.")
        for d in report.base_errors[:5]:
            item = diagnostic_dict(d)
            out.append(f"> - `{item['file']}:{item['line']}:{item['column']}` {d.code}: {d.message}")
        if n > 5:
            out.append(f"> - … and {n - 5} more")
        out.append("")
    if not report.changes:
        out.append("No segment changed.")
    else:
        out += _segment_table(report)
    for path, text in report.file_diffs.items():
        out += [f"<details><summary><code>{path}</code> changed</summary>", "", _fence(text, "diff"), "",
                "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _segment_table(report: DiffReport) -> list[str]:
    out: list[str] = []
    members = report.target is not None
    header = "| segment | status | why |" + (" before | after | added | removed |" if members else "")
    out += [header, "|---|---|---|" + ("---:|---:|---:|---:|" if members else "")]
    for c in report.changes:
        why = ", ".join(_reason_text(r) for r in c.reasons) or ("—" if c.status != "changed" else "")
        if c.status == "changed" and c.reasons and c.reasons != ["definition"] and "definition" not in c.reasons:
            why = "through " + why
        row = f"| `{c.name}` | {c.status} | {why} |"
        if members:
            m = c.members
            row += (f" {_cell(m.before)} | {_cell(m.after)} | {_cell(m.added, '+')} | {_cell(m.removed, '−')} |"
                    if m else " ? | ? | ? | ? |")
        out.append(row)
    out.append("")
    for c in report.changes:
        parts = [p for p, on in (("definition", bool(c.definition_diff)), ("SQL", bool(c.sql_diff)),
                                 ("members", bool(c.members and (c.members.added or c.members.removed)))) if on]
        if not parts and not c.notes:
            continue
        out += [f"<details><summary><code>{c.name}</code> ({c.status}): {', '.join(parts) or 'notes'}</summary>", ""]
        facts = [f"- ⚠️ {note}" for note in c.notes]
        m = c.members
        if m and (m.added or m.removed):
            facts.append(f"- members added ({m.added}): {_keys(m.added_sample, m.added) or '—'}")
            facts.append(f"- members removed ({m.removed}): {_keys(m.removed_sample, m.removed) or '—'}")
        elif m:
            facts.append(f"- members: the same {m.after} customers")
        out += [*facts, ""] if facts else []
        if c.definition_diff:
            out += [f"Definition (`{c.file or c.base_file}`):", "", _fence(c.definition_diff, "diff"), ""]
        if c.sql_diff:
            out += [f"SQL ({report.dialect}):", "", _fence(c.sql_diff, "diff"), ""]
        out += ["</details>", ""]
    return out


RENDERERS = {"markdown": render_markdown, "json": render_json}
