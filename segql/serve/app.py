"""The workbench's web app: the JSON API of DESIGN §11 (part of the product) and the static front end.

Every request needs the run's token (`Authorization: Bearer …` or the cookie the page gets) and the app's own Host
and Origin (no DNS rebinding); bodies are size-limited; every error is a JSON `{error}` (never a traceback or a
secret). Targets see only SELECTs; the only files written are segment files of the project. Imports starlette (the
`serve` extra), the analysis core and segql.insights.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import re
import tempfile
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from segql import insights, operations
from segql.analysis import SEGMENT, Analysis
from segql.analysis.positions import from_utf16, to_utf16
from segql.check import tree as t
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem, diagnostic_dict
from segql.serve.jobs import Cancelled, Runner
from segql.source import SourceFile
from segql.syntax.segments import load_segment_file

COOKIE = "segql_token"
MAX_BODY = 1024 * 1024  # bytes: a segment file is a few hundred
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
DIALECTS = ("duckdb", "postgres", "snowflake")


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@dataclass(slots=True)
class Workbench:
    """What the app serves: one project (checked by the analysis core), one target, and its settings."""

    analysis: Analysis
    token: str
    port: int
    target: str | None = None
    as_of: dt.date | None = None
    history_schema: str | None = None  # where `segql snapshot` keeps its history (default: the target's `schema`)
    runner: Runner = field(default_factory=Runner)
    lock: threading.RLock = field(default_factory=threading.RLock)  # the analysis is read and changed by one at a time

    @property
    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.hosts}


# ---- security: host, origin and token on every request; JSON errors ----


class Guard:
    """ASGI middleware: refuses requests for another Host or from another Origin (403), and without the token (401).
    `GET /?token=…` sets the token as a same-site cookie and sends the browser to `/`."""

    def __init__(self, app: ASGIApp, bench: Workbench) -> None:
        self.app, self.bench = app, bench

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host = request.headers.get("host", "")
        origin = request.headers.get("origin")
        if host not in self.bench.hosts:
            await _error(403, "this workbench answers only on its own address (127.0.0.1)")(scope, receive, send)
            return
        if origin is not None and origin not in self.bench.origins:
            await _error(403, "requests from other sites are refused")(scope, receive, send)
            return
        given = request.query_params.get("token")
        if request.url.path == "/" and given is not None:
            if not _same(given, self.bench.token):
                await _error(401, "wrong token: open the URL `segql serve` printed")(scope, receive, send)
                return
            response: Response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, self.bench.token, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            await _error(413, f"the request body is too large (at most {MAX_BODY // 1024} KiB)")(scope, receive, send)
            return
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else ""
        if not (_same(bearer, self.bench.token) or _same(request.cookies.get(COOKIE, ""), self.bench.token)):
            await _error(401, "a token is needed: open the URL `segql serve` printed")(scope, receive, send)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await _read_limited(receive, MAX_BODY)
            if body is None:
                await _error(413, f"the request body is too large (at most {MAX_BODY // 1024} KiB)")(scope, receive,
                                                                                                     send)
                return
            receive = _replay(body)
        await self.app(scope, receive, send)


async def _read_limited(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it is longer than `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _same(given: str, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _answer(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(_jsonable(data), status_code=status)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return insights.jsonable(value)


Handler = Callable[[Request], Awaitable[Response]]


def endpoint(work: Callable[[Workbench, Request, dict[str, Any]], Any], bench: Workbench,
             status: int = 200) -> Handler:
    """An API route: the JSON body (or {}), the work in a thread, its answer as JSON, every failure as `{error}`."""

    async def handle(request: Request) -> Response:
        try:
            body: dict[str, Any] = {}
            if request.method in ("POST", "PUT"):
                raw = await request.body()
                try:
                    parsed = json.loads(raw or b"{}")
                except ValueError:
                    raise ApiError(400, "the request body is not JSON") from None
                if not isinstance(parsed, dict):
                    raise ApiError(400, "the request body must be a JSON object")
                body = parsed
            result = await run_in_threadpool(work, bench, request, body)
            if isinstance(result, Response):
                return result
            return _answer(result, status)
        except ApiError as err:
            return _error(err.status, err.message, **_jsonable(err.extra))
        except HTTPException as err:
            return _error(err.status_code, str(err.detail))
        except DiagnosticError as err:
            return _error(422, err.diagnostics[0].message if err.diagnostics else "invalid request",
                          diagnostics=[_diagnostic(d, None) for d in err.diagnostics])
        except UsageProblem as err:
            return _error(400, str(err))
        except Cancelled as err:
            return _error(409, str(err), cancelled=True)
        except Exception as err:  # a bug in segql: a message, never a traceback
            return _error(500, f"internal error in segql: {type(err).__name__}; please report it")

    return handle


# ---- reading requests ----


def _text(body: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"`{key}` must be text")
    return value


def _as_of(bench: Workbench, body: dict[str, Any] | Any) -> dt.date | None:
    value = body.get("as_of") if hasattr(body, "get") else None
    if value in (None, ""):
        return bench.as_of
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, f"`as_of` must be a date (YYYY-MM-DD), not `{value}`") from None


def _params(body: dict[str, Any]) -> dict[str, Any] | None:
    value = body.get("params")
    if value in (None, {}):
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "`params` must be an object of parameter values")
    return {str(k): ("true" if v is True else "false" if v is False else str(v)) for k, v in value.items()}


def _file_for(bench: Workbench, body: dict[str, Any], text: str) -> Path:
    """The segment file an editor's text is for: `file`, else the file of the segment it names, else a new one."""
    analysis = bench.analysis
    given = _text(body, "file", required=False)
    if given:
        path = analysis.path_of(given)
        if analysis.kind(path) != SEGMENT or analysis.root not in path.parents:
            raise ApiError(400, f"`{given}` is not a segment file of this project")
        return path
    defs, _ = load_segment_file(SourceFile("segments/untitled.yml", text))
    name = defs[0].name if defs else "untitled"
    existing = analysis.file_of(name)
    return existing if existing is not None else analysis.project.segments_path.resolve() / f"{name}.yml"


def _segment(bench: Workbench, body: dict[str, Any]) -> t.CheckedSegment:
    """The segment a request is about: an editor's `text` (checked in place of its file) or a saved `name`."""
    analysis = bench.analysis
    with bench.lock:
        if body.get("text") is not None:
            text = _text(body, "text") or ""
            preview = analysis.preview(_file_for(bench, body, text), text)
            errors = [d for d in preview.diagnostics if d.is_error]
            if errors:
                raise ApiError(422, "the segment has errors", diagnostics=[_diagnostic(d, text) for d in errors])
            wanted = body.get("name")
            chosen = preview.segments.get(wanted) if isinstance(wanted, str) and wanted in preview.segments \
                else next(iter(preview.segments.values()), None)
            if chosen is None:
                raise ApiError(422, "the text defines no segment that can be run")
            return chosen
        name = _text(body, "name")
        assert name is not None
        found = analysis.segment(name)
        if found is None:
            if analysis.segment_definition(name) is None:
                raise ApiError(404, f"no segment named `{name}`")
            raise ApiError(422, f"segment `{name}` has errors", diagnostics=[
                _diagnostic(d, None) for d in analysis.diagnostics(analysis.file_of(name)) if d.is_error])
        return found


def _diagnostic(d: Diagnostic, text: str | None) -> dict[str, Any]:
    """§11's diagnostic (1-based lines and columns, in characters) and `from`/`to`, UTF-16 offsets into `text` (the
    editor's text), as the browser counts."""
    item = diagnostic_dict(d)
    item.pop("file", None)
    item["file"] = d.span.path
    if d.span.source is not None:
        source_text = text if text is not None else d.span.source.text
        item["from"] = to_utf16(source_text, d.span.start)
        item["to"] = to_utf16(source_text, max(d.span.end, d.span.start))
    return item


# ---- the API ----


def info(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with bench.lock:
        analysis = bench.analysis
        project = analysis.project
        schema = analysis.schema
        target = None
        try:
            chosen = analysis.workspace().target(bench.target)
            target = {"name": chosen.name, "type": chosen.type, "live": chosen.type == "duckdb"}
        except UsageProblem as err:
            target = {"name": None, "type": None, "live": False, "problem": str(err)}
        by = [name for name, a in schema.attributes.items() if not a.pii and name != schema.key]
        by += [f"{lk}.{a}" for lk, look in schema.lookups.items() for a, attr in look.attributes.items() if not attr.pii]
        by += [name for name, expr in analysis.traits.items() if expr.type.kind != "error"]
        return {"project": project.name, "target": target, "as_of": bench.as_of, "dialects": list(DIALECTS),
                "breakdown_by": by, "entity": schema.entity, "key": schema.key,
                "errors": sum(1 for d in analysis.diagnostics() if d.is_error)}


def segments(bench: Workbench, request: Request, body: dict[str, Any]) -> list[dict[str, Any]]:
    with bench.lock:
        analysis = bench.analysis
        out = []
        for definition in analysis.definitions():
            path = analysis.file_of(definition.name)
            file_errors = [d for d in analysis.diagnostics(path) if d.is_error] if path else []
            out.append({"name": definition.name, "description": definition.description, "owner": definition.owner,
                        "tags": list(definition.tags), "file": analysis.display(path) if path else None,
                        "channel": definition.channel or None,
                        "params": [{"name": p.name, "type": p.type, "default": p.default} for p in definition.params],
                        "valid": analysis.segment(definition.name) is not None, "errors": len(file_errors)})
        return out


def segment_file(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    name = request.path_params["name"]
    with bench.lock:
        analysis = bench.analysis
        path = analysis.file_of(name)
        if path is None:
            raise ApiError(404, f"no segment named `{name}`")
        source = analysis.source(path)
        text = source.text if source is not None else ""
        return {"name": name, "file": analysis.display(path), "text": text,
                "diagnostics": [_diagnostic(d, text) for d in analysis.diagnostics(path)]}


def check(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    text = _text(body, "text") or ""
    as_of = _as_of(bench, body)
    with bench.lock:
        analysis = bench.analysis
        path = _file_for(bench, body, text)
        preview = analysis.preview(path, text)
        problems = list(preview.diagnostics)
        sql: dict[str, str] = {}
        answer: dict[str, Any] = {}
        if not any(d.is_error for d in problems):
            chosen = next((s for s in preview.segments.values() if s is not None), None)
            if chosen is not None:
                try:
                    sql, failed = analysis.sql(chosen, DIALECTS, as_of, _params(body))
                    problems += failed
                except Exception as err:  # a bug of the compiler: the diagnostics are still worth showing
                    answer["sql_error"] = f"internal error in segql: {type(err).__name__}; please report it"
        return {"file": analysis.display(path), "diagnostics": [_diagnostic(d, text) for d in problems], "sql": sql,
                **answer}


def _cursor(bench: Workbench, body: dict[str, Any]) -> tuple[str, Path, int]:
    """The editor's text, its file and the cursor (sent in UTF-16 code units) as a character offset."""
    text = _text(body, "text") or ""
    offset = body.get("offset")
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "`offset` must be a position in the text (UTF-16 code units)")
    return text, _file_for(bench, body, text), from_utf16(text, offset)


def complete(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with bench.lock:
        text, path, offset = _cursor(bench, body)
        found = bench.analysis.complete(path, offset, text)
    return {"items": [{"label": c.label, "kind": c.kind, "detail": c.detail, "info": c.documentation,
                       "apply": c.insert, "from": to_utf16(text, c.start), "to": to_utf16(text, c.end),
                       "retrigger": c.retrigger} for c in found]}


def hover(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with bench.lock:
        text, path, offset = _cursor(bench, body)
        found = bench.analysis.hover(path, offset, text)
    if found is None:
        return {"hover": None}
    return {"hover": {"from": to_utf16(text, found.start), "to": to_utf16(text, found.end), "text": found.text}}


def _run(bench: Workbench, body: dict[str, Any], work: Callable[[Any], Any], key: tuple[Any, ...]) -> tuple[Any, bool]:
    with bench.lock:
        ws = bench.analysis.workspace()
        target = ws.target(bench.target)
    job = body.get("job") if isinstance(body.get("job"), str) else None
    return bench.runner.run(ws, target, work, key=key if not body.get("refresh") else None, job=job)


def size(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    segment = _segment(bench, body)
    as_of, params = _as_of(bench, body), _params(body)
    with bench.lock:
        ws = bench.analysis.workspace()
        dialect = ws.target(bench.target).type
    text = insights.size_sql(ws, segment, dialect, as_of, params)
    rows, cached = _run(bench, body, lambda engine: engine.query(text)[1], ("size", text))
    report = insights.read_size(segment, rows, as_of)
    return {"as_of": as_of, "total": report.total, "members": report.members, "cached": cached,
            "conditions": [{"text": c.text, "members": c.members, "cumulative": c.cumulative}
                           for c in report.conditions]}


def sizes(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Every valid segment's size in one query (the catalog's column)."""
    as_of = _as_of(bench, body)
    with bench.lock:
        ws = bench.analysis.workspace()
        chosen = [ws.result.segments[n] for n in sorted(ws.result.segments)
                  if all(p.default is not None for p in ws.result.segments[n].params)]
    if not chosen:
        return {"as_of": as_of, "customers": None, "sizes": {}}
    found, cached = _run(bench, body, lambda engine: operations.sizes(ws, engine, chosen, as_of),
                         ("sizes", as_of, tuple(s.name for s in chosen), tuple(id(s) for s in chosen)))
    return {"as_of": as_of, "customers": found.customers, "sizes": found.sizes, "cached": cached}


def breakdown(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    segment = _segment(bench, body)
    by = _text(body, "by") or ""
    as_of, params = _as_of(bench, body), _params(body)
    with bench.lock:
        ws = bench.analysis.workspace()
    insights.breakdown_value(ws, by)  # an unknown or PII attribute is refused before connecting
    found, cached = _run(bench, body, lambda engine: insights.breakdown(ws, engine, segment, by, as_of, params),
                         ("breakdown", by, as_of, id(segment.condition), str(params)))
    return {"by": found.by, "members": found.members, "cached": cached,
            "rows": [{"value": v, "members": n} for v, n in found.rows]}


def overlap(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    names = body.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ApiError(400, "`names` must be a list of segment names")
    as_of = _as_of(bench, body)
    with bench.lock:
        ws = bench.analysis.workspace()
        chosen = [_segment(bench, {"name": n}) for n in names]
    found, cached = _run(bench, body, lambda engine: operations.sizes(ws, engine, chosen, as_of, pairs=True),
                         ("overlap", tuple(names), as_of, tuple(id(s) for s in chosen)))
    matrix = [[found.intersection(a, b) for b in names] for a in names]
    jaccard = [[round(found.jaccard(a, b), 4) for b in names] for a in names]
    return {"names": names, "matrix": matrix, "jaccard": jaccard, "customers": found.customers, "as_of": as_of,
            "cached": cached}


def history(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    name = request.query_params.get("segment")
    if not name:
        raise ApiError(400, "`segment` must name a segment")
    with bench.lock:
        ws = bench.analysis.workspace()
        target = ws.target(bench.target)
        if bench.analysis.segment_definition(name) is None:
            raise ApiError(404, f"no segment named `{name}`")
    schema = bench.history_schema or target.resolved().get("schema")
    if not schema:
        return {"rows": [], "note": f"target `{target.name}` has no `schema` setting, so the workbench does not know "
                                    "where its snapshots are: set one, or start `segql serve --schema NAME`"}
    rows, _ = _run(bench, {"refresh": True}, lambda engine: insights.history(ws, engine, schema=schema, segment=name),
                   ("history",))
    return {"rows": [{"as_of": r.as_of, "members": r.members, "entered": r.entered, "exited": r.exited,
                      "definition_changed": r.definition_changed} for r in rows]}


def explain(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    segment = _segment(bench, body)
    key = body.get("key")
    if not isinstance(key, str | int) or isinstance(key, bool) or key == "":
        raise ApiError(400, "`key` must be a customer key")
    as_of, params = _as_of(bench, body), _params(body)
    with bench.lock:
        ws = bench.analysis.workspace()
    found, _ = _run(bench, body, lambda engine: insights.explain(ws, engine, segment, str(key), as_of, params),
                    ("explain", str(key), as_of, id(segment.condition), str(params)))
    return {"key": found.key, "member": found.member,
            "conditions": [{"text": c.text, "holds": c.holds, "values": c.values, "consent": c.consent}
                           for c in found.conditions]}


def sample(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    segment = _segment(bench, body)
    as_of, params = _as_of(bench, body), _params(body)
    limit = body.get("limit", 20)
    if not isinstance(limit, int) or not 0 < limit <= 200:
        raise ApiError(400, "`limit` must be a number from 1 to 200")
    with bench.lock:
        ws = bench.analysis.workspace()
    found, cached = _run(bench, body, lambda engine: insights.sample(ws, engine, segment, as_of, params, limit),
                         ("sample", as_of, id(segment.condition), str(params), limit))
    return {"columns": found.columns, "masked": found.masked, "rows": found.rows, "cached": cached}


def cancel(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    job = _text(body, "job") or ""
    return {"cancelled": bench.runner.cancel(job)}


def graph(bench: Workbench, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    with bench.lock:
        nodes, edges = bench.analysis.graph()
    return {"nodes": [{"id": i, "kind": k, "label": label} for i, k, label in nodes],
            "edges": [{"from": a, "to": b} for a, b in edges]}


def save(bench: Workbench, request: Request, body: dict[str, Any]) -> Response | dict[str, Any]:
    """Write a segment's file, formatted by `segql fmt` (comments kept); refused (409) while it has errors."""
    from segql.fmt import FormatterBug, format_source

    name = request.path_params["name"]
    text = _text(body, "text") or ""
    if not NAME.match(name):
        raise ApiError(400, f"`{name}` is not a valid segment name (letters, digits and _)")
    with bench.lock:
        analysis = bench.analysis
        path = analysis.file_of(name) or analysis.project.segments_path.resolve() / f"{name}.yml"
        folder = analysis.project.segments_path.resolve()
        resolved = path.resolve()
        if folder not in resolved.parents or analysis.kind(resolved) != SEGMENT:
            raise ApiError(403, "segql writes only segment files inside the project's segments folder")
        preview = analysis.preview(resolved, text)
        errors = [d for d in preview.diagnostics if d.is_error]
        if errors:
            return _error(409, "the segment has errors; it was not saved",
                          diagnostics=[_diagnostic(d, text) for d in errors])
        try:
            formatted = format_source(SourceFile(analysis.display(resolved), text))
        except FormatterBug:
            formatted = None
        final = formatted.text if formatted is not None and not formatted.diagnostics else text
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=resolved.parent, prefix=".segql-", suffix=".yml")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(final)
            os.replace(temporary, resolved)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            raise ApiError(500, f"cannot write `{analysis.display(resolved)}`") from None
        analysis.revert(resolved)
        bench.runner.forget()
        return {"name": name, "file": analysis.display(resolved), "text": final, "formatted": final != text,
                "diagnostics": [_diagnostic(d, final) for d in analysis.diagnostics(resolved)]}


def index(bench: Workbench, request: Request, body: dict[str, Any]) -> Response:
    from importlib.resources import files

    page = files("segql.serve").joinpath("static", "index.html").read_text(encoding="utf-8")
    return Response(page, media_type="text/html", headers={
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error in segql; please report it"
    return _error(status, str(detail))


def create_app(bench: Workbench) -> Starlette:
    """The app for one workbench; `Guard` checks every request."""
    api = [
        Route("/api/info", endpoint(info, bench)),
        Route("/api/segments", endpoint(segments, bench)),
        Route("/api/segments/{name}", endpoint(segment_file, bench), methods=["GET"]),
        Route("/api/segments/{name}", endpoint(save, bench), methods=["PUT"]),
        Route("/api/check", endpoint(check, bench), methods=["POST"]),
        Route("/api/complete", endpoint(complete, bench), methods=["POST"]),
        Route("/api/hover", endpoint(hover, bench), methods=["POST"]),
        Route("/api/size", endpoint(size, bench), methods=["POST"]),
        Route("/api/sizes", endpoint(sizes, bench), methods=["POST"]),
        Route("/api/breakdown", endpoint(breakdown, bench), methods=["POST"]),
        Route("/api/overlap", endpoint(overlap, bench), methods=["POST"]),
        Route("/api/history", endpoint(history, bench), methods=["GET"]),
        Route("/api/explain", endpoint(explain, bench), methods=["POST"]),
        Route("/api/sample", endpoint(sample, bench), methods=["POST"]),
        Route("/api/cancel", endpoint(cancel, bench), methods=["POST"]),
        Route("/api/graph", endpoint(graph, bench), methods=["GET"]),
        Route("/", endpoint(index, bench), methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("segql.serve", "static")])),
    ]
    app = Starlette(routes=api, exception_handlers={HTTPException: _not_found, Exception: _not_found})
    app.add_middleware(Guard, bench=bench)
    return app
