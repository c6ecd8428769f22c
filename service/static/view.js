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
}

load().catch(() => { $("status").textContent = "Không tải được văn bản."; });
