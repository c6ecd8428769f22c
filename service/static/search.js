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

function filterBody(p) {
  const filters = {};
  for (const name of ["province", "level"]) if (p.get(name)) filters[name] = [p.get(name)];
  for (const name of ["year_from", "year_to"]) if (p.get(name)) filters[name] = Number(p.get(name));
  return filters;
}

function params() {
  const p = new URLSearchParams();
  p.set("q", $("q").value.trim());
  p.set("k", "10");
  for (const name of ["province", "level", "year_from", "year_to"]) {
    const v = $(name).value.trim();
    if (v) p.set(name, v);
  }
  return p;
}

async function search(event) {
  if (event) event.preventDefault();
  const p = params();
  if (!p.get("q")) { $("status").textContent = "Nhập câu hỏi hoặc từ khóa."; return; }
  history.replaceState(null, "", "/?" + p.toString());
  $("status").textContent = "Đang tìm…";
  streamAnswer(p.get("q"), filterBody(p));
  try {
    const res = await fetch("/v1/search?" + p.toString());
    const body = await res.json();
    if (!res.ok) { $("status").textContent = "Lỗi: " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); return; }
    $("results").replaceChildren(...body.results.map(renderResult));
    $("status").textContent = body.results.length
      ? `${body.results.length} đoạn văn bản phù hợp (${body.took_ms.toFixed(0)} ms)`
      : "Không tìm thấy đoạn văn bản phù hợp.";
  } catch (err) {
    $("status").textContent = "Không kết nối được dịch vụ tìm kiếm.";
  }
}

async function loadProvinces() {
  try {
    const res = await fetch("/v1/documents");
    const body = await res.json();
    const provinces = [...new Set(body.documents.map((d) => d.province).filter(Boolean))].sort();
    for (const p of provinces) $("province").append(el("option", { value: p, textContent: p }));
  } catch (err) { /* filters stay at "Tất cả" */ }
}

function restoreFromUrl() {
  const p = new URLSearchParams(location.search);
  for (const name of ["q", "province", "level", "year_from", "year_to"]) if (p.get(name)) $(name).value = p.get(name);
  if (p.get("q")) search();
}

$("search-form").addEventListener("submit", search);
loadProvinces().then(restoreFromUrl);
