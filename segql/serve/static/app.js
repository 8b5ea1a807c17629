// The workbench's front end: plain ES modules over the JSON API of DESIGN §11 (same origin, the token in a cookie).
import * as cm from "/static/editor/editor.js";
import * as charts from "/static/charts.js";

const $ = (selector) => document.querySelector(selector);
const state = { info: null, segments: [], sizes: null, current: null, file: null, saved: "", dialect: "duckdb",
  sql: {}, checkSeq: 0, sizeSeq: 0, view: "catalog", lastCheck: null };

// ---- the API ----

async function api(path, body, method) {
  const init = { method: method || (body === undefined ? "GET" : "POST"), headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch { data = { error: `unexpected answer (${response.status})` }; }
  if (!response.ok) {
    const err = new Error(data.error || `request failed (${response.status})`);
    err.status = response.status;
    err.data = data;
    throw err;
  }
  return data;
}

function toast(message) {
  const box = $("#toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

const asOf = () => $("#as-of").value || null;
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
const pct = (n, total) => (total ? `${((100 * n) / total).toFixed(1)}%` : "–");

function node(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children) if (child !== null && child !== undefined) el.append(child);
  return el;
}

function shownValue(value) {
  if (value === null || value === undefined) return "missing";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

// ---- views and routing (#/catalog, #/edit/NAME, #/insights/NAME, #/explain/NAME) ----

function route() {
  const [, view = "catalog", name = ""] = location.hash.split("/");
  state.view = ["catalog", "edit", "insights", "explain"].includes(view) ? view : "catalog";
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${state.view}`;
  for (const link of document.querySelectorAll("nav.views a")) {
    link.classList.toggle("active", link.dataset.view === state.view);
    if (link.dataset.view === state.view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  const chosen = decodeURIComponent(name) || state.current || (state.segments[0] && state.segments[0].name);
  if (state.view === "edit" && chosen && (chosen !== state.current || !editor)) openSegment(chosen);
  if (state.view === "insights" && chosen) showInsights(chosen);
  if (state.view === "explain" && chosen) $("#explain-segment").value = chosen;
  if (state.view === "catalog") renderCatalog();
}

function fillSelect(select, names, value) {
  select.replaceChildren(...names.map((n) => node("option", { value: n }, n)));
  if (value) select.value = value;
}

// ---- catalog ----

async function loadSegments() {
  state.segments = await api("/api/segments");
  const names = state.segments.map((s) => s.name);
  for (const id of ["#edit-segment", "#insight-segment", "#explain-segment", "#overlap-names"]) fillSelect($(id), names, state.current);
}

function renderCatalog() {
  const body = $("#catalog tbody");
  const filter = $("#filter").value.toLowerCase();
  const sizes = state.sizes ? state.sizes.sizes : {};
  const rows = state.segments.filter((s) => !filter || [s.name, s.description, s.owner, ...(s.tags || [])].join(" ").toLowerCase().includes(filter));
  body.replaceChildren(...rows.map((s) => node("tr", {},
    node("td", { title: s.name }, node("a", { href: `#/edit/${encodeURIComponent(s.name)}` }, s.name),
      s.errors ? node("span", { class: "err", title: "has errors" }, " ⚠") : null),
    node("td", { title: s.description || "" }, s.description || ""),
    node("td", { title: s.owner || "" }, s.owner || ""),
    node("td", { title: (s.tags || []).join(", ") }, ...(s.tags || []).map((t) => node("span", { class: "tag" }, t))),
    node("td", { class: "num" }, s.name in sizes ? fmt(sizes[s.name]) : "–"),
    node("td", { class: "num" }, s.name in sizes ? pct(sizes[s.name], state.sizes.customers) : "–"),
  )));
}

async function loadSizes() {
  $("#sizes-note").textContent = "counting…";
  try {
    state.sizes = await api("/api/sizes", { as_of: asOf() });
    const when = state.sizes.as_of || "today";
    $("#sizes-note").textContent = `${fmt(state.sizes.customers)} customers · sizes as of ${when}${state.sizes.cached ? " (cached)" : ""}`;
  } catch (err) {
    $("#sizes-note").textContent = "";
    toast(err.message);
  }
  renderCatalog();
}

async function loadGraph() {
  const data = await api("/api/graph");
  $("#graph").replaceChildren(charts.graph(data.nodes, data.edges, { onSelect: (name) => { location.hash = `#/edit/${encodeURIComponent(name)}`; } }));
}

// ---- editor ----

let editor = null;
let checkTimer = null;

function diagnosticsSource() {
  return cm.linter(async (view) => {
    const text = view.state.doc.toString();
    const seq = ++state.checkSeq;
    let data;
    try {
      data = await api("/api/check", { text, file: state.file, as_of: asOf() });
    } catch (err) {
      setStatus(err.message, "bad");
      return [];
    }
    if (seq !== state.checkSeq) return [];
    state.lastCheck = data;
    state.sql = data.sql || {};
    renderSql();
    renderProblems(data.diagnostics);
    const errors = data.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      setStatus(`${errors.length} error${errors.length > 1 ? "s" : ""}`, "bad");
      $("#save").disabled = true;
    } else {
      setStatus(text === state.saved ? "saved" : "not saved", text === state.saved ? "ok" : "");
      $("#save").disabled = false;
      if (!data.sql_error) scheduleSize(text);
    }
    const length = view.state.doc.length;
    return data.diagnostics.filter((d) => d.from !== undefined).map((d) => ({
      from: Math.min(d.from, length), to: Math.min(Math.max(d.to, d.from), length),
      severity: d.severity === "error" ? "error" : "warning",
      message: `${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`,
    }));
  }, { delay: 250 });
}

const KINDS = { attribute: "property", lookup: "namespace", event: "class", trait: "variable", segment: "type",
  parameter: "variable", function: "function", keyword: "keyword", value: "enum", key: "property" };

async function completionSource(context) {
  const text = context.state.doc.toString();
  let data;
  try {
    data = await api("/api/complete", { text, file: state.file, offset: context.pos });
  } catch { return null; }
  if (!data.items.length) return null;
  const from = data.items[0].from;
  return {
    from,
    options: data.items.map((item) => ({
      label: item.label, type: KINDS[item.kind] || "text", detail: item.detail || undefined,
      info: item.info || undefined, boost: item.kind === "value" ? 2 : item.kind === "keyword" ? -1 : 0,
      apply: (view, completion, start, end) => {
        view.dispatch({ changes: { from: item.from, to: end, insert: item.apply },
          selection: { anchor: item.from + item.apply.length }, userEvent: "input.complete" });
        if (item.retrigger) setTimeout(() => cm.startCompletion(view), 0);
      },
    })),
    validFor: /^[\w$]*$/,
  };
}

function renderHoverText(markdown) {
  const box = node("div", { class: "segql-hover" });
  const parts = markdown.split(/```(?:segql)?\n?/);
  parts.forEach((part, i) => {
    if (i % 2) { box.append(node("pre", {}, part.trim())); return; }
    for (const para of part.split(/\n\n+/)) {
      if (!para.trim()) continue;
      const p = node("p");
      for (const piece of para.split(/(\*\*[^*]+\*\*|`[^`]+`)/)) {
        if (piece.startsWith("**")) p.append(node("strong", {}, piece.slice(2, -2)));
        else if (piece.startsWith("`")) p.append(node("code", {}, piece.slice(1, -1)));
        else p.append(piece);
      }
      box.append(p);
    }
  });
  return box;
}

const hoverSource = cm.hoverTooltip(async (view, pos) => {
  try {
    const data = await api("/api/hover", { text: view.state.doc.toString(), file: state.file, offset: pos });
    if (!data.hover) return null;
    return { pos: data.hover.from, end: data.hover.to, above: true, create: () => ({ dom: renderHoverText(data.hover.text) }) };
  } catch { return null; }
});

function makeEditor(text) {
  const extensions = [
    cm.lineNumbers(), cm.highlightActiveLineGutter(), cm.highlightSpecialChars(), cm.history(), cm.drawSelection(),
    cm.indentOnInput(), cm.bracketMatching(), cm.closeBrackets(), cm.highlightActiveLine(), cm.highlightSelectionMatches(),
    cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }), cm.yaml(), cm.indentUnit.of("  "),
    cm.autocompletion({ override: [completionSource], activateOnTyping: true, icons: true }),
    diagnosticsSource(), cm.lintGutter(), hoverSource,
    cm.keymap.of([
      { key: "Mod-s", preventDefault: true, run: () => { save(); return true; } },
      ...cm.closeBracketsKeymap, ...cm.defaultKeymap, ...cm.searchKeymap, ...cm.historyKeymap,
      ...cm.completionKeymap, ...cm.lintKeymap, cm.indentWithTab,
    ]),
    cm.EditorView.lineWrapping,
  ];
  const view = new cm.EditorView({ state: cm.EditorState.create({ doc: text, extensions }), parent: $("#editor") });
  view.contentDOM.setAttribute("aria-label", "Segment file");
  return view;
}

async function openSegment(name, text = null, file = null) {
  state.current = name;
  for (const id of ["#edit-segment", "#insight-segment", "#explain-segment"]) $(id).value = name;
  if (text === null) {
    const data = await api(`/api/segments/${encodeURIComponent(name)}`);
    text = data.text;
    file = data.file;
    state.saved = text;
  } else {
    state.saved = "";
  }
  state.file = file;
  $("#edit-file").textContent = file || "";
  $("#edit-file").title = file || "";
  $("#funnel").replaceChildren();
  $("#size-head").replaceChildren();
  $("#sample").replaceChildren();
  if (editor) editor.destroy();
  editor = makeEditor(text);
  editor.focus();
}

function setStatus(message, kind = "") {
  const el = $("#edit-status");
  el.textContent = message;
  el.className = `status ${kind}`;
}

function renderProblems(diagnostics) {
  const list = $("#problems");
  list.replaceChildren(...diagnostics.map((d) => node("li", {
    class: d.severity, tabindex: 0, title: "go to the problem",
    onclick: () => goTo(d), onkeydown: (ev) => { if (ev.key === "Enter") goTo(d); },
  }, node("span", { class: "code" }, `${d.code} ${d.line}:${d.column}`), d.message, d.hint ? node("span", { class: "hint" }, ` — ${d.hint}`) : null)));
}

function goTo(d) {
  if (!editor || d.from === undefined) return;
  editor.dispatch({ selection: { anchor: d.from, head: d.to }, scrollIntoView: true });
  editor.focus();
}

function renderSql() {
  const dialects = state.info ? state.info.dialects : ["duckdb"];
  const select = $("#dialect");
  if (!select.options.length) fillSelect(select, dialects, state.dialect);
  const problem = state.lastCheck && state.lastCheck.sql_error;
  $("#sql").textContent = state.sql[select.value] || problem || "(no SQL while the segment has errors)";
}

// ---- size and the count after each condition ----

function live() { return state.info && state.info.target && state.info.target.live; }

function scheduleSize(text) {
  clearTimeout(checkTimer);
  if (!live()) {
    $("#count-now").hidden = false;
    return;
  }
  checkTimer = setTimeout(() => runSize(text), 150);
}

async function runSize(text, refresh = false) {
  const seq = ++state.sizeSeq;
  $("#cancel-count").hidden = live();
  $("#size-head").replaceChildren(node("span", { class: "muted" }, "counting…"));
  try {
    const data = await api("/api/size", { text, file: state.file, as_of: asOf(), job: "editor-size", refresh });
    if (seq !== state.sizeSeq) return;
    renderSize(data);
  } catch (err) {
    if (seq !== state.sizeSeq) return;
    $("#size-head").replaceChildren(node("span", { class: "muted" }, err.data && err.data.cancelled ? "stopped" : err.message));
  } finally {
    if (seq === state.sizeSeq) $("#cancel-count").hidden = true;
  }
}

function renderSize(data) {
  $("#size-head").replaceChildren(
    node("span", { class: "big", id: "size-members" }, fmt(data.members)),
    node("span", {}, `members of ${fmt(data.total)} customers (${pct(data.members, data.total)})`),
    node("span", { class: "muted" }, `as of ${data.as_of || "today"}${data.cached ? " · cached" : ""}`),
  );
  const rows = data.conditions.map((c, i) => node("div", { class: "funnel-row", "data-condition": i },
    node("span", { class: "cond", title: c.text }, c.text),
    node("span", { class: "count" }, fmt(c.cumulative)),
    charts.meter(c.cumulative, c.members, data.total),
    node("span", { class: "alone" }, `holds alone for ${fmt(c.members)} (${pct(c.members, data.total)})`),
  ));
  $("#funnel").replaceChildren(node("p", { class: "muted" }, "Customers left after each condition of the top-level and:"), ...rows);
}

// ---- members (sample, PII masked) ----

async function loadSample() {
  const text = editor ? editor.state.doc.toString() : null;
  try {
    const data = await api("/api/sample", { text, file: state.file, as_of: asOf(), limit: 20 });
    const head = node("tr", {}, ...data.columns.map((c) => node("th", {}, c)));
    const rows = data.rows.map((r) => node("tr", {}, ...r.map((v, i) => node("td",
      { class: data.masked.includes(data.columns[i]) ? "masked" : "", title: String(v ?? "") }, v === null ? "" : String(v)))));
    $("#sample").replaceChildren(node("p", { class: "muted" }, `first ${data.rows.length} members by key; ${data.masked.length ? `PII masked: ${data.masked.join(", ")}` : "no PII columns"}`),
      node("table", {}, node("thead", {}, head), node("tbody", {}, ...rows)));
  } catch (err) { toast(err.message); }
}

// ---- save ----

async function save() {
  if (!editor || !state.current) return;
  const text = editor.state.doc.toString();
  const nameMatch = text.match(/^name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/m);
  const name = state.file ? state.current : (nameMatch ? nameMatch[1] : state.current);
  try {
    const data = await api(`/api/segments/${encodeURIComponent(name)}`, { text }, "PUT");
    state.saved = data.text;
    state.file = data.file;
    state.current = name;
    $("#edit-file").textContent = data.file;
    if (data.text !== text) {
      const head = Math.min(editor.state.selection.main.head, data.text.length);
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: data.text }, selection: { anchor: head } });
    }
    setStatus(`saved ${data.file}${data.formatted ? " (formatted)" : ""}`, "ok");
    await loadSegments();
    $("#edit-segment").value = name;
    loadGraph();
  } catch (err) {
    if (err.data && err.data.diagnostics) renderProblems(err.data.diagnostics);
    setStatus(err.message, "bad");
  }
}

function newSegment() {
  let n = 1;
  while (state.segments.some((s) => s.name === `new_segment_${n}`)) n++;
  const name = `new_segment_${n}`;
  const text = `name: ${name}\ndescription: \nowner: \ntags: []\nwhere: |\n  email_opt_in\n`;
  location.hash = `#/edit/${name}`;
  openSegment(name, text, null);
}

// ---- insights ----

async function showInsights(name) {
  state.current = name;
  $("#insight-segment").value = name;
  const by = $("#breakdown-by");
  if (!by.options.length && state.info) fillSelect(by, state.info.breakdown_by, state.info.breakdown_by.find((b) => b.includes("country")) || state.info.breakdown_by[0]);
  loadBreakdown();
  loadHistory();
  const picks = $("#overlap-names");
  if (![...picks.selectedOptions].length) {
    for (const opt of picks.options) opt.selected = opt.value === name || state.segments.slice(0, 4).some((s) => s.name === opt.value);
  }
}

async function loadBreakdown() {
  const name = $("#insight-segment").value;
  const by = $("#breakdown-by").value;
  if (!name || !by) return;
  $("#breakdown").replaceChildren(node("span", { class: "muted" }, "counting…"));
  try {
    const data = await api("/api/breakdown", { name, by, as_of: asOf() });
    const rows = data.rows.slice(0, 25).map((r) => ({ label: r.value === null ? "(missing)" : String(r.value), value: r.members }));
    $("#breakdown").replaceChildren(node("p", { class: "muted" }, `${fmt(data.members)} members of ${name} by ${by}${data.rows.length > 25 ? ` (top 25 of ${data.rows.length} values)` : ""}`),
      charts.bars(rows, { total: data.members }));
  } catch (err) { $("#breakdown").replaceChildren(node("span", { class: "muted" }, err.message)); }
}

async function loadOverlap() {
  const names = [...$("#overlap-names").selectedOptions].map((o) => o.value);
  if (names.length < 2) { toast("choose two segments or more"); return; }
  $("#overlap").replaceChildren(node("span", { class: "muted" }, "counting…"));
  try {
    const data = await api("/api/overlap", { names, as_of: asOf() });
    $("#overlap").replaceChildren(charts.heatmap(data.names, data.matrix, data.jaccard),
      node("p", { class: "muted" }, "Cells: customers in both; darker: a larger share of the union (Jaccard)."));
  } catch (err) { $("#overlap").replaceChildren(node("span", { class: "muted" }, err.message)); }
}

async function loadHistory() {
  const name = $("#insight-segment").value;
  try {
    const data = await api(`/api/history?segment=${encodeURIComponent(name)}`);
    if (!data.rows.length) {
      $("#history").replaceChildren(node("p", { class: "muted" }, data.note || `No snapshots of ${name} yet: \`segql snapshot ${name}\` records one a day.`));
      return;
    }
    const points = data.rows.map((r) => ({ date: r.as_of, value: r.members }));
    const marks = data.rows.filter((r) => r.definition_changed).map((r) => r.as_of);
    const daily = data.rows.map((r) => ({ date: r.as_of, entered: r.entered, exited: r.exited }));
    const width = Math.max(600, $("#history").clientWidth - 8);
    $("#history").replaceChildren(charts.lines([{ name, points }], { marks, bars: daily, width }),
      node("div", { class: "legend" }, node("span", { style: "--c:#0969da" }, "members"),
        node("span", { style: "--c:#4ac26b" }, "entered"), node("span", { style: "--c:#ff8182" }, "exited"),
        node("span", { style: "--c:#bf8700" }, "definition changed")));
  } catch (err) { $("#history").replaceChildren(node("span", { class: "muted" }, err.message)); }
}

// ---- explain ----

async function explain(ev) {
  ev.preventDefault();
  const name = $("#explain-segment").value;
  const key = $("#explain-key").value.trim();
  if (!key) return;
  const out = $("#explanation");
  out.replaceChildren(node("span", { class: "muted" }, "explaining…"));
  try {
    const data = await api("/api/explain", { name, key, as_of: asOf() });
    const rows = data.conditions.map((c) => node("tr", {},
      node("td", { class: `mark ${c.holds ? "yes" : "no"}` }, c.holds ? "✓ holds" : "✗ fails"),
      node("td", {}, node("code", {}, c.text), c.consent ? node("span", { class: "muted" }, " (channel consent)") : null),
      node("td", { class: "values" }, ...Object.entries(c.values).map(([k, v]) => node("span", {}, node("code", {}, k), ` = ${shownValue(v)}`))),
    ));
    out.replaceChildren(
      node("p", { class: `verdict ${data.member ? "in" : "out"}` }, `Customer ${data.key} is ${data.member ? "a member of" : "not in"} ${name}`),
      node("table", { class: "explain" }, node("thead", {}, node("tr", {}, node("th", {}, ""), node("th", {}, "condition"), node("th", {}, "values read"))), node("tbody", {}, ...rows)),
    );
  } catch (err) { out.replaceChildren(node("p", { class: "verdict out" }, err.message)); }
}

// ---- start ----

async function start() {
  state.info = await api("/api/info");
  $("#project").textContent = state.info.project;
  $("#project").title = state.info.project;
  const target = state.info.target;
  $("#target").textContent = target.name ? `${target.name} · ${target.type}${target.live ? " · live" : ""}` : "no target";
  $("#target").className = `badge ${target.live ? "" : "warehouse"}`;
  if (state.info.as_of) $("#as-of").value = state.info.as_of;
  fillSelect($("#dialect"), state.info.dialects, "duckdb");
  await loadSegments();
  window.addEventListener("hashchange", route);
  $("#filter").addEventListener("input", renderCatalog);
  $("#refresh-sizes").addEventListener("click", loadSizes);
  $("#new-segment").addEventListener("click", newSegment);
  $("#edit-segment").addEventListener("change", (ev) => { location.hash = `#/edit/${encodeURIComponent(ev.target.value)}`; });
  $("#insight-segment").addEventListener("change", (ev) => { location.hash = `#/insights/${encodeURIComponent(ev.target.value)}`; });
  $("#breakdown-by").addEventListener("change", loadBreakdown);
  $("#overlap-go").addEventListener("click", loadOverlap);
  $("#explain-form").addEventListener("submit", explain);
  $("#save").addEventListener("click", save);
  $("#dialect").addEventListener("change", renderSql);
  $("#load-sample").addEventListener("click", loadSample);
  $("#count-now").addEventListener("click", () => editor && runSize(editor.state.doc.toString(), true));
  $("#cancel-count").addEventListener("click", () => api("/api/cancel", { job: "editor-size" }).catch(() => {}));
  $("#as-of").addEventListener("change", () => {
    if (state.view === "catalog" && live()) loadSizes();
    if (state.view === "edit" && editor) cm.forceLinting(editor);
    if (state.view === "insights") { loadBreakdown(); }
  });
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll(".tabs button")) other.setAttribute("aria-selected", String(other === tab));
      for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== tab.dataset.tab;
    });
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey && ["1", "2", "3", "4"].includes(ev.key)) {
      location.hash = ["#/catalog", "#/edit", "#/insights", "#/explain"][Number(ev.key) - 1];
      ev.preventDefault();
    }
  });
  route();
  loadGraph();
  if (live()) loadSizes();
  else $("#sizes-note").textContent = "sizes are counted on the warehouse when you ask";
}

start().catch((err) => toast(`the workbench could not start: ${err.message}`));
