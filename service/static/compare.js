// Compare page: one row per locality and target, citations linking to the document view.
"use strict";

const number = (v) => Number(v).toLocaleString("vi-VN", { maximumFractionDigits: 3 });

function valueText(t) {
  const unit = t.unit === "%" ? "%" : ` ${t.unit}`;
  const range = t.value_max !== null ? `${number(t.value)}–${number(t.value_max)}` : number(t.value);
  const cmp = t.comparator === "=" ? "" : `${t.comparator} `;
  return `${cmp}${range}${unit}${t.per_year ? "/năm" : ""}`;
}

function place(row) {
  return [row.locality || "(huyện chưa rõ tên)", row.province !== row.locality ? row.province : null]
    .filter(Boolean).join(", ") + (row.level ? ` (${row.level})` : "");
}

function cite(result, label) {
  return el("a", { href: result.url, textContent: label,
    title: `${result.title || result.doc_id} — ${result.section.join(" › ")}` });
}

function renderRows(rows) {
  const body = [];
  for (const row of rows) {
    if (!row.targets.length) {
      const closest = row.closest ? [cite(row.closest, "đoạn gần nhất")] : [];
      body.push(el("tr", { className: "none" }, [el("th", { scope: "row", textContent: place(row) }),
        el("td", { colSpan: 3, textContent: "Không có chỉ tiêu định lượng về chủ đề này" }), el("td", {}, closest)]));
      continue;
    }
    row.targets.forEach((t, i) => {
      const where = [row.doc_number, t.citation.page && `tr. ${t.citation.page}`].filter(Boolean).join(", ");
      body.push(el("tr", {}, [
        el("th", { scope: "row", textContent: i === 0 ? place(row) : "" }),
        el("td", { textContent: t.text }),
        el("td", { className: "value", textContent: valueText(t) }),
        el("td", { textContent: t.year || "—" }),
        el("td", {}, [cite(t.citation, where || "văn bản")]),
      ]));
    });
  }
  $("rows").replaceChildren(...body);
}

async function compare(event) {
  if (event) event.preventDefault();
  const topic = $("topic").value.trim();
  if (!topic) { $("status").textContent = "Nhập chủ đề chỉ tiêu."; return; }
  history.replaceState(null, "", "/compare?topic=" + encodeURIComponent(topic));
  $("status").textContent = "Đang so sánh…";
  try {
    const res = await fetch("/v1/compare", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic }) });
    const body = await res.json();
    if (!res.ok) { $("status").textContent = "Lỗi: " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); return; }
    renderRows(body.rows);
    $("table").hidden = false;
    $("csv").hidden = false;
    $("csv").href = "/v1/compare.csv?topic=" + encodeURIComponent(topic);
    const withTargets = body.rows.filter((r) => r.targets.length).length;
    $("status").textContent = `${withTargets}/${body.rows.length} địa phương có chỉ tiêu định lượng về chủ đề này.`;
  } catch (err) {
    $("status").textContent = "Không kết nối được dịch vụ.";
  }
}

async function loadSuggestions() {
  try {
    const body = await (await fetch("/v1/compare/suggestions")).json();
    const chips = body.topics.map((t) => el("button", { type: "button", className: "chip", textContent: t,
      onclick: () => { $("topic").value = t; compare(); } }));
    $("suggestions").replaceChildren("Gợi ý: ", ...chips);
    $("topic-suggestions").replaceChildren(...body.topics.map((t) => el("option", { value: t })));
  } catch (err) { /* no suggestions */ }
}

$("compare-form").addEventListener("submit", compare);
loadSuggestions();
const initial = new URLSearchParams(location.search).get("topic");
if (initial) { $("topic").value = initial; compare(); }
