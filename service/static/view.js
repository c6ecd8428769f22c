// Document view: full normalised text, the cited passage marked and scrolled into view.
"use strict";
const $ = (id) => document.getElementById(id);

function addMeta(label, value) {
  if (!value) return;
  const dt = document.createElement("dt"); dt.textContent = label;
  const dd = document.createElement("dd"); dd.textContent = value;
  $("docmeta").append(dt, dd);
}

function renderText(text, start, end) {
  const doc = $("doc");
  if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= text.length) {
    const mark = document.createElement("mark");
    mark.className = "passage"; mark.id = "passage"; mark.textContent = text.slice(start, end);
    mark.tabIndex = -1;
    doc.replaceChildren(text.slice(0, start), mark, text.slice(end));
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  } else {
    doc.replaceChildren(text);
  }
}

async function load() {
  const docId = decodeURIComponent(location.pathname.split("/").pop());
  const p = new URLSearchParams(location.search);
  const res = await fetch("/v1/documents/" + encodeURIComponent(docId));
  const body = await res.json();
  if (!res.ok) { $("status").textContent = "Lỗi: " + body.detail; return; }
  document.title = "vnpolicy — " + (body.title || body.doc_id);
  $("doc-title").textContent = body.title || body.doc_id;
  addMeta("Số hiệu", body.doc_number);
  addMeta("Ngày ban hành", body.issued_date || (body.year && `năm ${body.year}`));
  addMeta("Cơ quan ban hành", body.issuer);
  addMeta("Địa phương", [body.locality, body.province].filter(Boolean).join(", "));
  addMeta("Cấp", body.level);
  addMeta("Người ký", [body.signer_title, body.signer].filter(Boolean).join(" "));
  addMeta("Tệp nguồn", body.source_file);
  if (body.ocr_pages.length) addMeta("Nhận dạng từ ảnh quét", `trang ${body.ocr_pages.join(", ")} (độ tin cậy ${Math.round(body.ocr_confidence)}/100)`);
  renderText(body.text, parseInt(p.get("start"), 10), parseInt(p.get("end"), 10));
  loadChain(body).catch(() => { /* the text stays readable without the chain */ });
}

// The directive chain: what this document implements (above), the document, what implements it (below).
const SVG = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function chainRow(items, y, width, svg, links) {
  const step = width / Math.max(items.length, 1);
  return items.map((item, i) => {
    const x = step * i + step / 2;
    const box = svgEl("g", { class: "node" + (item.current ? " current" : "") });
    const label = item.label.length > 34 ? item.label.slice(0, 33) + "…" : item.label;
    box.append(svgEl("rect", { x: x - 110, y, width: 220, height: 44, rx: 6 }),
      svgEl("text", { x, y: y + 18, "text-anchor": "middle" }, label),
      svgEl("text", { x, y: y + 35, "text-anchor": "middle", class: "sub" }, item.sub || ""));
    if (item.href) {
      const a = svgEl("a", { href: item.href });
      a.append(box);
      svg.append(a);
    } else svg.append(box);
    links.push({ x, y });
    return { x, y };
  });
}

const IMPLEMENTS = (r) => r.role === "thực hiện" || r.role === "căn cứ";
const refNode = (r) => ({ key: r.doc_id || `${r.kind} ${r.number || r.name || ""}`, label: `${r.kind} ${r.number || r.name || ""}`.trim(),
  sub: r.issuer || "", href: r.doc_id && "/view/" + encodeURIComponent(r.doc_id) });

// Levels above this document: what it implements, what those implement (when indexed), up to three levels,
// so a commune plan shows the district plan, the province's and the central directive it answers.
async function upstream(refs) {
  const levels = [], edges = [];
  let frontier = refs.references.filter(IMPLEMENTS).slice(0, 5).map((r) => ({ node: refNode(r), below: "self" }));
  for (let depth = 0; depth < 3 && frontier.length; depth++) {
    levels.unshift(frontier.map((f) => f.node));
    edges.push(...frontier.map((f) => [f.node.key, f.below]));
    const next = [];
    for (const f of frontier.filter((x) => x.node.href)) {
      const res = await fetch("/v1/documents/" + encodeURIComponent(f.node.key) + "/references");
      if (!res.ok) continue;
      for (const r of (await res.json()).references.filter(IMPLEMENTS).slice(0, 3)) next.push({ node: refNode(r), below: f.node.key });
    }
    frontier = next;
  }
  return { levels, edges };
}

function drawChain(self, up, down) {
  const rows = [...up.levels, [self], down].filter((r) => r.length);
  const width = 960;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${rows.length * 90}`, role: "img",
    "aria-label": "Chuỗi văn bản: văn bản chỉ đạo ở trên, văn bản này, văn bản thực hiện nó ở dưới" });
  const at = {};
  let y = 10;
  for (const row of rows) {
    chainRow(row, y, width, svg, []).forEach((p, i) => { at[row[i].key] = p; });
    y += 90;
  }
  const lines = svgEl("g", { class: "edges" });
  const edges = [...up.edges, ...down.map((d) => ["self", d.key])];
  for (const [from, to] of edges) {
    const a = at[from], b = at[to];
    if (a && b) lines.append(svgEl("line", { x1: a.x, y1: a.y + 44, x2: b.x, y2: b.y }));
  }
  svg.prepend(lines);
  $("chain-diagram").replaceChildren(svg);
}

function refItem(label, href, note) {
  const li = document.createElement("li");
  const a = document.createElement(href ? "a" : "span");
  if (href) a.href = href;
  a.textContent = label;
  li.append(a, note ? ` — ${note}` : "");
  return li;
}

async function loadChain(body) {
  const res = await fetch("/v1/documents/" + encodeURIComponent(body.doc_id) + "/references");
  if (!res.ok) return;
  const refs = await res.json();
  if (!refs.references.length && !refs.cited_by.length && refs.status === "còn hiệu lực") return;
  $("chain").hidden = false;
  $("validity").textContent = refs.status === "còn hiệu lực" ? "Tình trạng: còn hiệu lực (không có văn bản nào trong kho thay thế hay bãi bỏ)"
    : `Tình trạng: ${refs.status}`;
  if (refs.status_by) {
    const a = document.createElement("a"); a.href = "/view/" + encodeURIComponent(refs.status_by); a.textContent = " bởi văn bản này";
    $("validity").append(a);
  }
  $("refs-out").replaceChildren(...refs.references.map((r) => refItem(`${r.kind} ${r.number || r.name || ""}`.trim(),
    r.doc_id && "/view/" + encodeURIComponent(r.doc_id), [r.role, r.issuer, r.date].filter(Boolean).join(", "))));
  $("refs-in").replaceChildren(...refs.cited_by.map((d) => refItem(d.title || d.doc_id, "/view/" + encodeURIComponent(d.doc_id),
    [d.role, d.locality || d.province, d.issued_date].filter(Boolean).join(", "))));
  const self = { key: "self", label: body.doc_number || body.title || body.doc_id,
    sub: [body.locality, body.province].filter(Boolean).join(", "), current: true };
  const down = refs.cited_by.slice(0, 5).map((d) => ({ key: d.doc_id, label: d.doc_number || d.title || d.doc_id,
    sub: d.locality || d.province || "", href: "/view/" + encodeURIComponent(d.doc_id) }));
  drawChain(self, await upstream(refs), down);
}

load().catch(() => { $("status").textContent = "Không tải được văn bản."; });
