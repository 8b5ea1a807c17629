"""The workbench's JSON API (DESIGN §11), through Starlette's test client against DuckDB copies of the retail data:
answers checked against the reference evaluator and set arithmetic, security (token, Host, Origin, body size, only
SELECTs, writes only to segment files), every error a JSON message, the runner's timeout and cancellation."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from segql import api, insights
from segql.analysis import Analysis
from segql.evaluate import Evaluator
from tests.conftest import RETAIL_SEGMENTS
from tests.workbench import PORT, TOKEN, client, comparable, make_project, retail_evaluator

HVL = "segments/high_value_lapsed.yml"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> Path:
    return make_project(tmp_path_factory.mktemp("api"), retail_duckdb)


@pytest.fixture(scope="module")
def ev(retail_duckdb: Path) -> Evaluator:
    return retail_evaluator(retail_duckdb)


@pytest.fixture(scope="module")
def app(root: Path) -> Any:
    return client(root)


def segment_of(root: Path, name: str) -> Any:
    return Analysis(root).segment(name)


# ---- security ----


def test_the_app_listens_on_the_loopback_address_only() -> None:
    from segql.serve import listen

    sock = listen(0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
    finally:
        sock.close()


def test_requests_need_the_token(root: Path) -> None:
    anonymous = client(root, headers=False)
    for method, path in [("GET", "/api/segments"), ("GET", "/"), ("POST", "/api/check"), ("GET", "/static/app.js"),
                         ("PUT", "/api/segments/vip")]:
        response = anonymous.request(method, path, json={})
        assert response.status_code == 401 and "token" in response.json()["error"], path
    wrong = anonymous.get("/api/segments", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_the_page_link_sets_a_cookie(root: Path) -> None:
    anonymous = client(root, headers=False)
    assert anonymous.get("/?token=wrong", follow_redirects=False).status_code == 401
    first = anonymous.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = anonymous.get("/")  # the cookie is sent now
    assert page.status_code == 200 and "<title>segql workbench</title>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert anonymous.get("/static/editor/editor.js").status_code == 200
    assert anonymous.get("/api/segments").status_code == 200


@pytest.mark.parametrize("headers", [{"Host": "evil.example"}, {"Host": f"127.0.0.1:{PORT + 1}"},
                                     {"Origin": "http://evil.example"}, {"Origin": f"http://localhost:{PORT + 1}"}])
def test_host_and_origin_must_be_the_apps_own(app: Any, headers: dict[str, str]) -> None:
    response = app.get("/api/segments", headers=headers)
    assert response.status_code == 403 and response.json()["error"]


def test_the_apps_own_origin_is_fine(app: Any) -> None:
    assert app.get("/api/segments", headers={"Origin": f"http://127.0.0.1:{PORT}"}).status_code == 200
    assert app.get("/api/segments", headers={"Host": f"localhost:{PORT}"}).status_code == 200


def test_bodies_are_size_limited(app: Any) -> None:
    response = app.post("/api/check", content=b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "too large" in response.json()["error"]


@pytest.mark.parametrize(("method", "path", "body", "status", "fragment"), [
    ("POST", "/api/check", b"not json", 400, "not JSON"),
    ("POST", "/api/check", b"[1, 2]", 400, "JSON object"),
    ("POST", "/api/check", b'{"text": 3}', 400, "`text` must be text"),
    ("POST", "/api/size", b'{"name": "nope"}', 404, "no segment named `nope`"),
    ("POST", "/api/size", b'{"name": "vip", "as_of": "yesterday"}', 400, "`as_of` must be a date"),
    ("POST", "/api/breakdown", b'{"name": "vip", "by": "email"}', 400, "personal data"),
    ("POST", "/api/explain", b'{"name": "vip", "key": "99999999"}', 400, "no customer with key"),
    ("POST", "/api/explain", b'{"name": "vip"}', 400, "`key`"),
    ("POST", "/api/overlap", b'{"names": "vip"}', 400, "`names`"),
    ("POST", "/api/size", b'{"text": "where: countr = 1"}', 422, "has errors"),
    ("POST", "/api/check", b'{"text": "where: x", "file": "../../etc/passwd"}', 400, "not a segment file"),
    ("GET", "/api/segments/nope", None, 404, "no segment"),
    ("GET", "/api/nothing-here", None, 404, "Not Found"),
    ("GET", "/api/history", None, 400, "`segment`"),
    ("POST", "/api/complete", b'{"text": "where: x"}', 400, "`offset`"),
])
def test_every_error_is_a_json_message(app: Any, method: str, path: str, body: bytes | None, status: int,
                                       fragment: str) -> None:
    response = app.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert fragment in message and "Traceback" not in response.text


def test_a_bug_is_a_json_message_without_a_traceback(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise KeyError("secret internals")

    monkeypatch.setattr(insights, "size_sql", broken)
    response = app.post("/api/size", json={"name": "vip"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error in segql: KeyError; please report it"}


def test_only_selects_reach_the_target(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    connect = api.connect

    def recording(ws: Any, target: Any) -> Any:
        engine = connect(ws, target)
        query = engine.query

        def record(sql: str) -> Any:
            seen.append(sql)
            return query(sql)

        engine.query = record  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr(api, "connect", recording)
    app = client(root)
    text = (root / HVL).read_text()
    for path, body in [("/api/size", {"name": "vip"}), ("/api/sizes", {}), ("/api/sample", {"name": "vip"}),
                       ("/api/breakdown", {"name": "vip", "by": "country"}), ("/api/overlap", {"names": ["vip", "churn_risk"]}),
                       ("/api/explain", {"name": "vip", "key": 1}), ("/api/size", {"text": text})]:
        assert app.post(path, json=body).status_code == 200, path
    assert seen and all(sql.lstrip().upper().startswith("SELECT") for sql in seen)


# ---- the answers of §11 ----


def test_segments(app: Any, root: Path) -> None:
    listed = {s["name"]: s for s in app.get("/api/segments").json()}
    assert len(listed) == RETAIL_SEGMENTS
    hvl = listed["high_value_lapsed"]
    assert {k: hvl[k] for k in ("name", "description", "owner", "tags", "file", "channel", "params")} == {
        "name": "high_value_lapsed", "description": "Spent over $500 in the last year, nothing in the last 90 days.",
        "owner": "crm-team", "tags": ["retention", "email"], "file": HVL, "channel": None,
        "params": [{"name": "min_spend", "type": "decimal", "default": "500"}]}
    assert listed["europe_sms_adults"]["channel"] == "sms"


def test_check_a_typo_and_its_fix(app: Any, root: Path) -> None:
    text = (root / HVL).read_text()
    typo = text.replace("email_opt_in", "email_optin")
    answer = app.post("/api/check", json={"text": typo, "file": HVL}).json()
    (problem,) = answer["diagnostics"]
    assert {k: problem[k] for k in ("code", "severity", "line", "column", "end_line", "end_column")} == {
        "code": "E201", "severity": "error", "line": 9, "column": 7, "end_line": 9, "end_column": 18}
    assert problem["hint"] == "did you mean `email_opt_in`?" and problem["message"] == "unknown attribute `email_optin`"
    assert typo[problem["from"]:problem["to"]] == "email_optin"
    assert answer["sql"] == {}
    fixed = app.post("/api/check", json={"text": text, "file": HVL}).json()
    assert fixed["diagnostics"] == [] and set(fixed["sql"]) == {"duckdb", "postgres", "snowflake"}
    assert "DATE '2026-06-30'" in fixed["sql"]["postgres"] or "2026-07-01" in fixed["sql"]["postgres"]


def test_check_of_round_two_constructs_gives_their_diagnostics(app: Any) -> None:
    text = "name: probe\nwhere: has cart_adds in last 3 days then no orders within 1 day\n"
    answer = app.post("/api/check", json={"text": text})
    assert answer.status_code == 200 and answer.json()["diagnostics"] == []
    assert answer.json()["sql"] or answer.json()["sql_error"].startswith("internal error in segql")
    typo = app.post("/api/check", json={"text": text.replace("cart_adds", "cart_ads")}).json()
    assert [d["code"] for d in typo["diagnostics"]] == ["E202"]


def test_check_counts_utf16_like_the_browser(app: Any) -> None:
    text = "name: probe\ndescription: 🎉🎉 Kunden\nwhere: countr = 1\n"
    (problem,) = app.post("/api/check", json={"text": text}).json()["diagnostics"]
    start = text.index("countr")
    assert (problem["line"], problem["column"]) == (3, 8)
    assert problem["from"] == start + 2  # two emoji: two more UTF-16 units than characters


def test_check_without_a_file_finds_the_segment_by_name(app: Any, root: Path) -> None:
    text = (root / HVL).read_text()
    answer = app.post("/api/check", json={"text": text}).json()
    assert answer["file"] == HVL and answer["diagnostics"] == []
    clash = app.post("/api/check", json={"text": "name: vip\nwhere: email_opt_in\n", "file": "segments/other.yml"})
    assert [d["code"] for d in clash.json()["diagnostics"]] == ["E220"]


def test_size(app: Any, root: Path, ev: Evaluator) -> None:
    answer = app.post("/api/size", json={"name": "high_value_lapsed"}).json()
    segment = segment_of(root, "high_value_lapsed")
    assert answer["as_of"] == "2026-06-30" and answer["total"] == 5000
    assert answer["members"] == len(ev.members(segment))
    assert [c["text"] for c in answer["conditions"]] == [c.text for c in insights.top_conditions(segment)]
    assert answer["conditions"][-1]["cumulative"] == answer["members"]
    cumulative = [c["cumulative"] for c in answer["conditions"]]
    assert cumulative == sorted(cumulative, reverse=True)


def test_size_of_unsaved_text_and_params(app: Any, root: Path, ev: Evaluator) -> None:
    text = (root / HVL).read_text().replace("and has no orders in last 90 days\n", "")
    answer = app.post("/api/size", json={"text": text, "file": HVL, "params": {"min_spend": 1000}}).json()
    segment = Analysis(root).preview(HVL, text).segments["high_value_lapsed"]
    assert segment is not None
    assert answer["members"] == len(ev.members(segment, {"min_spend": "1000"}))
    assert len(answer["conditions"]) == 3
    older = app.post("/api/size", json={"name": "high_value_lapsed", "as_of": "2026-01-31"}).json()
    assert older["as_of"] == "2026-01-31"


def test_sizes_of_every_segment(app: Any, root: Path, ev: Evaluator) -> None:
    answer = app.post("/api/sizes", json={}).json()
    assert answer["customers"] == 5000
    analysis = Analysis(root)
    for name in ("vip", "churn_risk", "high_value_lapsed"):
        assert answer["sizes"][name] == len(ev.members(analysis.segment(name)))  # type: ignore[arg-type]


def test_breakdown(app: Any, root: Path, ev: Evaluator) -> None:
    answer = app.post("/api/breakdown", json={"name": "vip", "by": "address.state"}).json()
    segment = segment_of(root, "vip")
    assert answer["by"] == "address.state"
    assert sum(r["members"] for r in answer["rows"]) == len(ev.members(segment))
    value = insights.breakdown_value(Analysis(root).workspace(), "address.state")
    expected: dict[Any, int] = {}
    for key in ev.members(segment):
        v = ev.value_for(value, key, {})
        expected[v] = expected.get(v, 0) + 1
    assert {r["value"]: r["members"] for r in answer["rows"]} == expected


def test_overlap(app: Any, root: Path, ev: Evaluator) -> None:
    names = ["vip", "vip_healthy", "churn_risk"]
    answer = app.post("/api/overlap", json={"names": names}).json()
    analysis = Analysis(root)
    sets = [ev.members(analysis.segment(n)) for n in names]  # type: ignore[arg-type]
    assert answer["names"] == names
    assert answer["matrix"] == [[len(a & b) for b in sets] for a in sets]


def test_explain(app: Any, root: Path, ev: Evaluator) -> None:
    segment = segment_of(root, "high_value_lapsed")
    params = ev.bind(segment, None)
    for key in (1, 2, 43):
        answer = app.post("/api/explain", json={"name": "high_value_lapsed", "key": str(key)}).json()
        assert answer["member"] == (key in ev.members(segment))
        for condition, got in zip(insights.top_conditions(segment), answer["conditions"], strict=True):
            assert got["text"] == condition.text
            assert got["holds"] == (ev.value_for(condition.node, key, params) is True)
            assert got["values"] == {n: comparable(ev.value_for(node, key, params))
                                     for n, node in insights.values_read(condition.node)}


def test_sample_masks_pii(app: Any, root: Path, ev: Evaluator) -> None:
    answer = app.post("/api/sample", json={"name": "vip", "limit": 3}).json()
    assert answer["masked"] == ["email", "first_name"]
    keys = sorted(ev.members(segment_of(root, "vip")))[:3]
    assert [r[0] for r in answer["rows"]] == keys
    email = answer["columns"].index("email")
    assert {r[email] for r in answer["rows"]} == {insights.MASK}


def test_complete_and_hover_in_utf16(app: Any) -> None:
    text = "name: probe\ndescription: 🎉\nwhere: address.st"
    answer = app.post("/api/complete", json={"text": text, "offset": len(text) + 1}).json()
    (item,) = answer["items"]
    assert item["label"] == "address.state" and item["from"] == text.index("address.st") + 1
    hover = app.post("/api/hover", json={"text": text, "offset": len(text) - 3 + 1}).json()["hover"]
    assert hover["text"].startswith("**lookup** `address`: table `crm.addresses`")


def test_graph(app: Any) -> None:
    answer = app.get("/api/graph").json()
    ids = {n["id"] for n in answer["nodes"]}
    assert {"segment:vip", "trait:spend_365", "event:orders"} <= ids
    edges = {(e["from"], e["to"]) for e in answer["edges"]}
    assert ("segment:vip_healthy", "segment:vip") in edges and ("trait:spend_365", "event:orders") in edges


# ---- history ----


def test_history_from_snapshots(tmp_path: Path, retail_duckdb: Path) -> None:
    from segql import warehouse

    root = make_project(tmp_path, retail_duckdb, schema="segments")
    days = [dt.date(2026, 6, 28), dt.date(2026, 6, 29), dt.date(2026, 6, 30)]
    expected = []
    for i, day in enumerate(days):
        if i == 2:  # the definition changes before the last snapshot
            path = root / "segments" / "vip.yml"
            path.write_text(path.read_text().replace("paid_orders >= 5", "paid_orders >= 6"))
        ws = api.open_workspace(root)
        writer = warehouse.open_writer(ws, ws.target(None))
        try:
            warehouse.snapshot(ws, writer, [ws.segment("vip")], schema="segments", as_of=day)
            expected.append(set(api.members(ws, writer, ws.segment("vip"), day)))
        finally:
            writer.close()
    answer = client(root).get("/api/history", params={"segment": "vip"}).json()
    rows = answer["rows"]
    assert [r["as_of"] for r in rows] == [d.isoformat() for d in days]
    assert [r["members"] for r in rows] == [len(s) for s in expected]
    assert [(r["entered"], r["exited"]) for r in rows] == [(0, 0)] + [
        (len(b - a), len(a - b)) for a, b in zip(expected, expected[1:], strict=False)]
    assert [r["definition_changed"] for r in rows] == [False, False, True]


def test_history_without_a_write_schema(app: Any) -> None:
    answer = app.get("/api/history", params={"segment": "vip"}).json()
    assert answer["rows"] == [] and "schema" in answer["note"]


# ---- saving ----


def test_save_refuses_errors_and_writes_formatted_text(tmp_path: Path, retail_duckdb: Path) -> None:
    root = make_project(tmp_path, retail_duckdb)
    app = client(root)
    path = root / HVL
    before = path.read_text()
    refused = app.put("/api/segments/high_value_lapsed", json={"text": before.replace("email_opt_in", "email_optin")})
    assert refused.status_code == 409 and refused.json()["diagnostics"][0]["code"] == "E201"
    assert path.read_text() == before
    messy = before.replace("  and email_opt_in\n", "  AND   email_opt_in   # consent, checked by legal\n")
    saved = app.put("/api/segments/high_value_lapsed", json={"text": messy})
    assert saved.status_code == 200, saved.text
    written = path.read_text()
    assert written == saved.json()["text"] and saved.json()["formatted"] is True
    assert "  and email_opt_in  # consent, checked by legal\n" in written or "# consent, checked by legal" in written
    assert "AND" not in written
    check = app.post("/api/check", json={"text": written, "file": HVL}).json()
    assert check["diagnostics"] == []


def test_save_a_new_segment_and_refuse_bad_names(tmp_path: Path, retail_duckdb: Path) -> None:
    root = make_project(tmp_path, retail_duckdb)
    app = client(root)
    created = app.put("/api/segments/opted_in_us", json={"text": 'name: opted_in_us\nwhere: email_opt_in and country = "US"\n'})
    assert created.status_code == 200 and (root / "segments" / "opted_in_us.yml").is_file()
    assert "opted_in_us" in {s["name"] for s in app.get("/api/segments").json()}
    for name in ("..", "a.b", "x%2F..%2F..%2Fschema"):
        response = app.put(f"/api/segments/{name}", json={"text": "where: email_opt_in\n"})
        assert response.status_code in (400, 404), name
    assert not (root / "schema.yml").read_text().startswith("where")


# ---- the runner: timeout and cancellation ----

SLOW = "SELECT COUNT(*) FROM range(100000000) AS a, range(1000) AS b WHERE a.range % 7 = b.range"


def test_a_query_past_the_timeout_is_stopped(root: Path) -> None:
    from segql.serve.jobs import Cancelled, Runner

    ws = Analysis(root).workspace()
    runner = Runner(timeout=0.5)
    started = time.monotonic()
    with pytest.raises(Cancelled, match="longer than 0.5 s"):
        runner.run(ws, ws.target(None), lambda engine: engine.query(SLOW))
    assert time.monotonic() - started < 10


def test_a_query_is_cancelled_by_its_job(root: Path) -> None:
    from segql.serve.jobs import Cancelled, Runner

    ws = Analysis(root).workspace()
    runner = Runner(timeout=60)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            runner.run(ws, ws.target(None), lambda engine: engine.query(SLOW), job="j1")
        except BaseException as err:  # noqa: BLE001
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    for _ in range(100):
        if "j1" in runner.running:
            break
        time.sleep(0.02)
    time.sleep(0.2)
    assert runner.cancel("j1")
    thread.join(10)
    assert not thread.is_alive() and isinstance(outcome[0], Cancelled)
