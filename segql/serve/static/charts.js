// SVG charts drawn by the workbench itself (no library, no network): bars, a heat map, lines, a layered graph.
const SVG = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child);
  return node;
}

function text(x, y, value, attrs = {}) {
  const node = el("text", { x, y, ...attrs });
  node.textContent = value;
  return node;
}

function titled(node, title) {
  const t = el("title");
  t.textContent = title;
  node.append(t);
  return node;
}

export function shorten(value, max) {
  const s = String(value);
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

const fmt = (n) => Number(n).toLocaleString("en-US");

// Horizontal bars: rows of {label, value}; the share of `total` after each bar.
export function bars(rows, { total = null, width = 560, labelWidth = 150 } = {}) {
  const rowHeight = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = el("svg", { width, height: rows.length * rowHeight + 4, role: "img", "aria-label": "bar chart" });
  const barSpace = width - labelWidth - 110;
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    const w = Math.max(1, (row.value / max) * barSpace);
    const g = titled(el("g"), `${row.label}: ${fmt(row.value)}`);
    g.append(text(labelWidth - 6, y + 14, shorten(row.label, 22), { "text-anchor": "end" }));
    g.append(el("rect", { x: labelWidth, y: y + 3, width: w, height: rowHeight - 7, rx: 2, fill: "#54aeff" }));
    const share = total ? ` (${((100 * row.value) / total).toFixed(1)}%)` : "";
    g.append(text(labelWidth + w + 6, y + 14, fmt(row.value) + share));
    svg.append(g);
  });
  return svg;
}

// One thin bar for the per-condition funnel: `value` of `total` (and, lighter, `alone` of `total`).
export function meter(value, alone, total) {
  const svg = el("svg", { viewBox: "0 0 100 4", preserveAspectRatio: "none", "aria-hidden": "true" });
  const share = (n) => (total ? (100 * n) / total : 0);
  svg.append(el("rect", { x: 0, y: 0, width: 100, height: 4, fill: "#eaeef2" }));
  svg.append(el("rect", { x: 0, y: 0, width: share(alone), height: 4, fill: "#b6e3ff" }));
  svg.append(el("rect", { x: 0, y: 0, width: share(value), height: 4, fill: "#0969da" }));
  return svg;
}

// A heat map of a square matrix of intersections; cells coloured by Jaccard index.
export function heatmap(names, matrix, jaccard) {
  const cell = 54;
  const label = 130;
  const n = names.length;
  const svg = el("svg", { width: label + n * cell + 110, height: label + n * cell + 10, role: "img", "aria-label": "overlap heat map" });
  names.forEach((name, i) => {
    svg.append(titled(text(label - 6, label + i * cell + cell / 2 + 4, shorten(name, 18), { "text-anchor": "end" }), name));
    const x = label + i * cell + cell / 2;
    svg.append(titled(text(x, label - 6, shorten(name, 18), { transform: `rotate(-45 ${x} ${label - 6})` }), name));
  });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = jaccard[i][j];
      const shade = Math.round(240 - v * 190);
      const g = titled(el("g"), `${names[i]} ∩ ${names[j]}: ${fmt(matrix[i][j])} (Jaccard ${v.toFixed(2)})`);
      g.append(el("rect", { x: label + j * cell, y: label + i * cell, width: cell - 2, height: cell - 2, rx: 3,
        fill: `rgb(${shade}, ${Math.round(shade + (255 - shade) * 0.35)}, 255)` }));
      g.append(text(label + j * cell + cell / 2 - 1, label + i * cell + cell / 2 + 4, fmt(matrix[i][j]),
        { "text-anchor": "middle", fill: v > 0.55 ? "white" : "#1f2328" }));
      svg.append(g);
    }
  }
  return svg;
}

// Lines over dates: series of {name, points: [{date, value}]}, marks: dates where the definition changed, and below
// them (their own scale) each day's entered and exited counts.
export function lines(series, { width = 900, height = 260, marks = [], bars: daily = [] } = {}) {
  const pad = { l: 56, r: 70, t: 16, b: 24 };
  const band = daily.length ? 64 : 0;
  const dates = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort();
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "membership over time" });
  if (!dates.length) return svg;
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  const spread = Math.max(...values) - Math.min(...values);
  const lo = Math.max(0, Math.floor(Math.min(...values) - spread * 0.25 - 1));
  const hi = Math.ceil(Math.max(...values) + spread * 0.25 + 1);
  const top = pad.t, bottom = height - pad.b - band - (band ? 18 : 0);
  const x = (d) => pad.l + (dates.length === 1 ? (width - pad.l - pad.r) / 2 : (dates.indexOf(d) * (width - pad.l - pad.r)) / (dates.length - 1));
  const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  svg.append(el("line", { x1: pad.l, y1: bottom, x2: width - pad.r, y2: bottom, stroke: "#d0d7de" }));
  for (const tick of [lo, Math.round((lo + hi) / 2), hi]) {
    svg.append(text(pad.l - 6, y(tick) + 4, fmt(tick), { "text-anchor": "end", fill: "#656d76" }));
  }
  const step = Math.max(1, Math.ceil(dates.length / 8));
  dates.forEach((d, i) => { if (i % step === 0 || i === dates.length - 1) svg.append(text(x(d), height - 6, d, { "text-anchor": "middle", fill: "#656d76" })); });
  if (band) {
    const base = height - pad.b - 4;
    const most = Math.max(1, ...daily.map((d) => Math.max(d.entered, d.exited)));
    const h = (n) => (n / most) * (band - 8);
    const bw = Math.max(3, Math.min(14, (width - pad.l - pad.r) / dates.length / 3));
    svg.append(text(pad.l - 6, base - band + 12, "per day", { "text-anchor": "end", fill: "#656d76" }));
    svg.append(el("line", { x1: pad.l, y1: base, x2: width - pad.r, y2: base, stroke: "#d0d7de" }));
    for (const d of daily) {
      svg.append(titled(el("rect", { x: x(d.date) - bw - 1, y: base - h(d.entered), width: bw, height: h(d.entered), fill: "#4ac26b" }), `${d.date}: ${d.entered} entered`));
      svg.append(titled(el("rect", { x: x(d.date) + 1, y: base - h(d.exited), width: bw, height: h(d.exited), fill: "#ff8182" }), `${d.date}: ${d.exited} exited`));
      if (d.entered || d.exited) svg.append(text(x(d.date), base - Math.max(h(d.entered), h(d.exited)) - 3, `+${d.entered} −${d.exited}`, { "text-anchor": "middle", fill: "#656d76" }));
    }
  }
  for (const d of marks) {
    svg.append(titled(el("line", { x1: x(d), y1: top - 6, x2: x(d), y2: height - pad.b, stroke: "#bf8700", "stroke-dasharray": "4 3" }), `${d}: the definition changed`));
    svg.append(text(x(d) + 4, top + 2, "definition changed", { fill: "#9a6700" }));
  }
  const colours = ["#0969da", "#8250df", "#1a7f37", "#bc4c00"];
  series.forEach((s, k) => {
    const pts = s.points.map((p) => `${x(p.date)},${y(p.value)}`).join(" ");
    svg.append(el("polyline", { points: pts, fill: "none", stroke: colours[k % colours.length], "stroke-width": 2 }));
    for (const p of s.points) svg.append(titled(el("circle", { cx: x(p.date), cy: y(p.value), r: 3, fill: colours[k % colours.length] }), `${s.name} on ${p.date}: ${fmt(p.value)}`));
    const last = s.points[s.points.length - 1];
    if (last) svg.append(text(x(last.date) + 8, y(last.value) + 4, fmt(last.value), { fill: colours[k % colours.length] }));
  });
  return svg;
}

// A layered drawing of the dependency graph: event tables, then traits, then segments in order of depth.
export function graph(nodes, edges, { onSelect } = {}) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const uses = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) if (uses.has(e.from) && byId.has(e.to)) uses.get(e.from).push(e.to);
  // events in column 0; traits from 1 (a trait right of the traits it uses); segments right of every trait
  const chain = new Map();
  const within = (id, seen = new Set()) => {
    if (chain.has(id)) return chain.get(id);
    if (seen.has(id)) return 0;
    seen.add(id);
    const kind = byId.get(id).kind;
    const same = uses.get(id).filter((u) => byId.get(u).kind === kind);
    const d = same.length ? 1 + Math.max(...same.map((u) => within(u, seen))) : 0;
    chain.set(id, d);
    return d;
  };
  nodes.forEach((n) => within(n.id));
  const traitDepth = Math.max(0, ...nodes.filter((n) => n.kind === "trait").map((n) => chain.get(n.id)));
  const depth = new Map(nodes.map((n) => [n.id, n.kind === "event" ? 0 : n.kind === "trait" ? 1 + chain.get(n.id)
    : 2 + traitDepth + chain.get(n.id)]));
  const columns = [];
  for (const n of nodes) (columns[depth.get(n.id)] ||= []).push(n);
  const colWidth = 190, rowHeight = 24, nodeWidth = 160;
  const tall = Math.max(...columns.map((c) => (c ? c.length : 0)));
  const svg = el("svg", { width: columns.length * colWidth + 20, height: tall * rowHeight + 20, role: "img", "aria-label": "dependency graph" });
  const pos = new Map();
  columns.forEach((col, c) => (col || []).forEach((n, r) => pos.set(n.id, { x: 10 + c * colWidth, y: 10 + r * rowHeight })));
  const edgeLayer = el("g", { fill: "none", stroke: "#afb8c1" });
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x, y1 = a.y + 9, x2 = b.x + nodeWidth, y2 = b.y + 9;
    edgeLayer.append(el("path", { d: `M${x1},${y1} C${x1 - 30},${y1} ${x2 + 30},${y2} ${x2},${y2}` }));
  }
  svg.append(edgeLayer);
  const fills = { event: "#fff8c5", trait: "#ddf4ff", segment: "#dafbe1" };
  for (const n of nodes) {
    const p = pos.get(n.id);
    const g = titled(el("g", { class: `node ${n.kind}`, tabindex: n.kind === "segment" ? 0 : -1 }), `${n.kind} ${n.label}`);
    g.append(el("rect", { x: p.x, y: p.y, width: nodeWidth, height: 18, rx: 9, fill: fills[n.kind] || "#eee", stroke: "#d0d7de" }));
    g.append(text(p.x + 8, p.y + 13, shorten(n.label, 24)));
    if (n.kind === "segment" && onSelect) {
      g.style.cursor = "pointer";
      g.addEventListener("click", () => onSelect(n.label));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onSelect(n.label); });
    }
    svg.append(g);
  }
  return svg;
}
