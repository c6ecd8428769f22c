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
  const name = row.locality || row.province || "(chưa rõ địa phương)";
  const where = row.province && row.province !== name ? `${name}, ${row.province}` : name;
  return where + (row.note ? ` (nay thuộc ${row.province_now})` : "") + (row.level ? ` · ${row.level}` : "");
}

function shortPlace(row) {
  const name = row.locality || row.province || "?";
  const label = row.note ? `${name} → ${row.province_now}` : name;
  return label.length > 30 ? label.slice(0, 29) + "…" : label;
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
      body.push(el("tr", { className: row.comparable ? "" : "not-comparable", title: row.reason || "" }, [
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

// The bar chart: the lead target of every comparable row, drawn as SVG (no chart library).
const SVG_NS = "http://www.w3.org/2000/svg";

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderChart(rows) {
  const bars = rows.filter((r) => r.comparable && r.targets.length).map((r) => ({ label: shortPlace(r), t: r.targets[0] }));
  if (bars.length < 2) { $("chart").hidden = true; return; }
  const unit = bars[0].t.unit;
  const max = Math.max(...bars.map((b) => b.t.value_max ?? b.t.value)) || 1;
  const rowH = 22, left = 220, width = 640, barW = width - left - 110;
  const svg = svgNode("svg", { viewBox: `0 0 ${width} ${bars.length * rowH + 30}`, role: "img",
    "aria-label": `Biểu đồ giá trị chỉ tiêu (${unit}) theo địa phương` });
  bars.forEach((b, i) => {
    const y = i * rowH + 4, value = b.t.value_max ?? b.t.value;
    const link = svgNode("a", { href: b.t.citation.url });
    link.append(svgNode("text", { x: left - 8, y: y + 14, "text-anchor": "end", class: "label" }, b.label),
      svgNode("rect", { x: left, y, width: Math.max(1, (barW * value) / max), height: rowH - 6, class: "bar" }),
      svgNode("text", { x: left + (barW * value) / max + 6, y: y + 14, class: "value" },
        `${valueText(b.t)}${b.t.year ? ` (${b.t.year})` : ""}`));
    svg.append(link);
  });
  svg.append(svgNode("text", { x: left, y: bars.length * rowH + 24, class: "axis" }, `0 – ${number(max)} ${unit}`));
  $("chart").replaceChildren(svg);
  $("chart").hidden = false;
}

function downloadQuery(topic) {
  const p = new URLSearchParams({ topic, sort: $("sort").value });
  return p.toString();
}

async function compare(event) {
  if (event) event.preventDefault();
  const topic = $("topic").value.trim();
  if (!topic) { $("status").textContent = "Nhập chủ đề chỉ tiêu."; return; }
  history.replaceState(null, "", "/compare?topic=" + encodeURIComponent(topic));
  $("status").textContent = "Đang so sánh…";
  try {
    const res = await fetch("/v1/compare", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic, sort: $("sort").value }) });
    const body = await res.json();
    if (!res.ok) { $("status").textContent = "Lỗi: " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); return; }
    renderRows(body.rows);
    renderChart(body.rows);
    $("table").hidden = false;
    $("downloads").hidden = false;
    $("csv").href = "/v1/compare.csv?" + downloadQuery(topic);
    $("xlsx").href = "/v1/compare.xlsx?" + downloadQuery(topic);
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
