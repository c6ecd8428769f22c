// Search page: builds every node from server text with textContent (never innerHTML).
"use strict";

function highlighted(text, spans) {
  const frag = document.createDocumentFragment();
  let pos = 0;
  for (const { start, end } of spans) {
    if (start < pos) continue;
    frag.append(text.slice(pos, start), el("mark", { textContent: text.slice(start, end) }));
    pos = end;
  }
  frag.append(text.slice(pos));
  return frag;
}

function metaLine(r) {
  const where = [r.locality, r.province].filter((x, i, a) => x && a.indexOf(x) === i).join(", ");
  const parts = [where, r.level && `cấp ${r.level}`, r.doc_number && `Số ${r.doc_number}`,
    r.issued_date || (r.year && `năm ${r.year}`), r.page && `trang ${r.page}`,
    r.ocr && "văn bản nhận dạng từ ảnh quét"];
  return parts.filter(Boolean).join(" · ");
}

function renderResult(r, i) {
  const link = el("a", { href: r.url, textContent: `${i + 1}. ${r.title || r.doc_id}` });
  return el("article", { className: "result" }, [
    el("h2", {}, [link]),
    el("div", { className: "meta", textContent: metaLine(r) }),
    el("div", { className: "path", textContent: r.section.join(" › ") }),
    el("div", { className: "snippet" }, [highlighted(r.text, r.highlights)]),
  ]);
}

// The answer panel: streams /v1/answer (Server-Sent Events) and turns [n] into links.
function renderAnswer(text, citations) {
  const frag = document.createDocumentFragment();
  let pos = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    frag.append(text.slice(pos, m.index));
    const c = citations[Number(m[1]) - 1];
    frag.append(c ? el("a", { className: "cite", href: c.url, textContent: m[0],
      title: `${c.title || c.doc_id} — ${c.section.join(" › ")}` }) : m[0]);
    pos = m.index + m[0].length;
  }
  frag.append(text.slice(pos));
  $("answer").replaceChildren(frag);
}

function parseEvents(buffer, onEvent) {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop();
  for (const block of blocks) {
    const fields = Object.fromEntries(block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));
    if (fields.event && fields.data) onEvent(fields.event, JSON.parse(fields.data));
  }
  return rest;
}

async function streamAnswer(query, filters) {
  $("answer-panel").hidden = false;
  $("answer").textContent = "…";
  $("answer-note").textContent = "";
  let text = "";
  try {
    const res = await fetch("/v1/answer", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, filters, stream: true }) });
    if (!res.ok) { $("answer-panel").hidden = true; return; }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), (event, data) => {
        if (event === "token") { text += data.text; $("answer").textContent = text; }
        if (event === "done") {
          renderAnswer(data.answer, data.citations);
          $("answer-note").textContent = data.note || (data.abstained ? "" : "Câu trả lời trích nguyên văn từ các đoạn được dẫn.");
        }
      });
    }
  } catch (err) {
    $("answer-panel").hidden = true;
  }
}

// Facets: the fields the page asks counts for, their labels, and the values selected (in the URL).
const FACETS = { province: "Tỉnh (khi ban hành)", province_now: "Tỉnh hiện nay", level: "Cấp", doc_type: "Loại văn bản",
  year: "Năm", issuer: "Cơ quan ban hành" };
const selected = Object.fromEntries(Object.keys(FACETS).map((name) => [name, []]));

function filterBody(p) {
  const filters = {};
  for (const name of Object.keys(FACETS)) {
    const values = p.getAll(name);
    if (values.length) filters[name] = name === "year" ? values.map(Number) : values;
  }
  for (const name of ["year_from", "year_to"]) if (p.get(name)) filters[name] = Number(p.get(name));
  return filters;
}

function params() {
  const p = new URLSearchParams();
  p.set("q", $("q").value.trim());
  p.set("k", "10");
  for (const name of ["year_from", "year_to"]) {
    const v = $(name).value.trim();
    if (v) p.set(name, v);
  }
  for (const [name, values] of Object.entries(selected)) for (const v of values) p.append(name, v);
  return p;
}

function toggle(name, value) {
  const values = selected[name];
  const at = values.indexOf(String(value));
  if (at >= 0) values.splice(at, 1); else values.push(String(value));
  search();
}

function renderChips() {
  const chips = [];
  for (const [name, values] of Object.entries(selected)) {
    for (const v of values) {
      chips.push(el("button", { type: "button", className: "chip", textContent: `${FACETS[name]}: ${v} ×`,
        title: "Bỏ bộ lọc này", onclick: () => toggle(name, v) }));
    }
  }
  $("chips").replaceChildren(...chips);
}

function renderFacets(facets) {
  const groups = [];
  for (const [name, label] of Object.entries(FACETS)) {
    const values = facets[name] || [];
    if (!values.length) continue;
    const items = values.slice(0, 12).map(({ value, count }) => {
      const on = selected[name].includes(String(value));
      const box = el("input", { type: "checkbox", checked: on, onchange: () => toggle(name, value) });
      return el("li", {}, [el("label", {}, [box, ` ${value} `, el("span", { className: "count", textContent: `(${count})` })])]);
    });
    groups.push(el("section", { className: `facet facet-${name}` }, [el("h3", { textContent: label }), el("ul", {}, items)]));
  }
  $("facets").replaceChildren(...groups);
}

function renderBody(body) {
  renderChips();
  renderFacets(body.not_found ? {} : body.facets || {});
  if (body.not_found) {
    const near = body.near_misses.map(renderResult);
    $("results").replaceChildren(el("p", { className: "not-found", textContent:
      "Không tìm thấy văn bản nào trả lời câu hỏi này." }),
      ...(near.length ? [el("h3", { textContent: "Các đoạn gần nhất (có thể không liên quan)" }), ...near] : []));
    $("status").textContent = "";
    return;
  }
  $("results").replaceChildren(...body.results.map(renderResult));
  $("status").textContent = body.results.length
    ? `${body.results.length} đoạn văn bản phù hợp (${body.took_ms.toFixed(0)} ms)`
    : "Không có văn bản nào khớp các bộ lọc đã chọn.";
}

async function search(event) {
  if (event) event.preventDefault();
  const p = params();
  if (!p.get("q")) { $("status").textContent = "Nhập câu hỏi hoặc từ khóa."; return; }
  history.replaceState(null, "", "/?" + p.toString());
  $("status").textContent = "Đang tìm…";
  streamAnswer(p.get("q"), filterBody(p));
  for (const name of Object.keys(FACETS)) p.append("facets", name);
  try {
    const res = await fetch("/v1/search?" + p.toString());
    const body = await res.json();
    if (!res.ok) { $("status").textContent = "Lỗi: " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); return; }
    renderBody(body);
  } catch (err) {
    $("status").textContent = "Không kết nối được dịch vụ tìm kiếm.";
  }
}

function restoreFromUrl() {
  const p = new URLSearchParams(location.search);
  for (const name of ["q", "year_from", "year_to"]) if (p.get(name)) $(name).value = p.get(name);
  for (const name of Object.keys(FACETS)) selected[name] = p.getAll(name);
  if (p.get("q")) search();
}

$("search-form").addEventListener("submit", search);
restoreFromUrl();
