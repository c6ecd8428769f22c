/*! vnpolicy search widget — one script tag, no dependencies.
 * <script src="https://SERVICE/widget.js" defer></script>
 * <vnpolicy-search endpoint="https://SERVICE" k="8" lang="vi" province="Quảng Trị"></vnpolicy-search>
 * Attributes: endpoint, k, placeholder, lang (vi|en), province, locality, level, doc-number, year-from, year-to,
 * api-key, view-base (where document links open; default: the endpoint).
 * Server text is only ever inserted as text nodes (never innerHTML).
 */
(() => {
  "use strict";
  if (customElements.get("vnpolicy-search")) return;

  const LABELS = {
    vi: { placeholder: "Tìm trong kế hoạch KH&CN…", label: "Tìm kiếm văn bản", results: (n) => `${n} kết quả`,
      none: "Không tìm thấy kết quả phù hợp.", near: "Không tìm thấy. Các đoạn gần nhất:", down: "Dịch vụ tìm kiếm tạm thời không truy cập được.",
      loading: "Đang tìm…", page: "tr.", ocr: "văn bản nhận dạng từ ảnh quét" },
    en: { placeholder: "Search the S&T plans…", label: "Search documents", results: (n) => `${n} result${n === 1 ? "" : "s"}`,
      none: "No matching results.", near: "Nothing found. The closest passages:", down: "The search service is unavailable.", loading: "Searching…", page: "p.", ocr: "text recognised from a scan" },
  };
  const FILTERS = { province: "province", "province-now": "province_now", locality: "locality", level: "level",
    "doc-type": "doc_type", issuer: "issuer", "doc-number": "doc_number", year: "year", "year-from": "year_from",
    "year-to": "year_to" };
  const DEBOUNCE_MS = 250;
  let instances = 0;

  const STYLE = `
:host { display: block; position: relative; font: inherit; font-size: 1em; color: #202124; max-width: 40em; }
* { box-sizing: border-box; }
input { width: 100%; font: inherit; font-size: 1em; padding: .55em .8em; border: 1px solid #8a8f98; border-radius: .4em; background: #fff; color: inherit; }
input:focus-visible { outline: 3px solid #1a73e8; outline-offset: 1px; }
ul { list-style: none; margin: .25em 0 0; padding: .25em 0; position: absolute; left: 0; right: 0; z-index: 2147483000;
  background: #fff; border: 1px solid #c4c7cc; border-radius: .4em; box-shadow: 0 6px 20px rgba(0,0,0,.15); max-height: 28em; overflow-y: auto; }
ul[hidden] { display: none; }
li { padding: .5em .8em; cursor: pointer; border-left: 3px solid transparent; }
li[aria-selected="true"] { background: #e8f0fe; border-left-color: #1a73e8; outline: 2px solid #1a73e8; outline-offset: -2px; }
li.msg { cursor: default; color: #5f6368; }
.t { font-weight: 600; color: #1a0dab; display: block; }
.m { font-size: .82em; color: #5f6368; display: block; margin: .1em 0 .2em; }
.s { font-size: .9em; line-height: 1.45; display: block; }
mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }`;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children || []) node.append(c);
    return node;
  }

  // Where to crop: the window holding the most highlighted characters (stop-words are never highlighted).
  function densest(text, hs, max) {
    let best = 0, most = -1;
    for (const h of hs) {
      let from = Math.max(0, Math.min(h.start - 30, text.length - max));
      if (from > 0) from = text.indexOf(" ", from) + 1 || from;
      let n = 0;
      for (const g of hs) if (g.start >= from && g.end <= from + max) n += g.end - g.start;
      if (n > most) { most = n; best = from; }
    }
    return best;
  }

  function snippet(text, highlights, max) {
    const frag = document.createDocumentFragment();
    const from = densest(text, highlights, max);
    const to = Math.min(text.length, from + max);
    let pos = from;
    if (from > 0) frag.append("…");
    for (const h of highlights) {
      if (h.start < pos || h.end > to) continue;
      frag.append(text.slice(pos, h.start), el("mark", {}, [text.slice(h.start, h.end)]));
      pos = h.end;
    }
    frag.append(text.slice(pos, to));
    if (to < text.length) frag.append("…");
    return frag;
  }

  class VnpolicySearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const id = `vnps${++instances}`;
      this.labels = LABELS[this.getAttribute("lang") === "en" ? "en" : "vi"];
      const root = this.attachShadow({ mode: "open" });
      this.input = el("input", { type: "search", role: "combobox", "aria-expanded": "false", "aria-controls": `${id}-list`,
        "aria-autocomplete": "list", "aria-label": this.labels.label, autocomplete: "off", spellcheck: "false",
        placeholder: this.getAttribute("placeholder") || this.labels.placeholder });
      this.list = el("ul", { id: `${id}-list`, role: "listbox", "aria-label": this.labels.label, hidden: "" });
      this.live = el("div", { class: "sr", role: "status", "aria-live": "polite" });
      const style = el("style", {}, [STYLE]);
      root.append(style, this.input, this.list, this.live);
      this._uid = id;
      this.results = [];
      this.active = -1;
      this.seq = 0;
      this.input.addEventListener("input", () => this.schedule());
      this.input.addEventListener("keydown", (e) => this.onKey(e));
      this.input.addEventListener("focus", () => this.results.length && this.open(true));
      this.addEventListener("focusout", (e) => { if (!this.contains(e.relatedTarget)) setTimeout(() => this.open(false), 150); });
    }

    get endpoint() { return (this.getAttribute("endpoint") || "").replace(/\/+$/, ""); }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(this.input.value.trim()), DEBOUNCE_MS);
    }

    async search(query) {
      const seq = ++this.seq;
      if (this.controller) this.controller.abort();
      if (!query) { this.render([], ""); return; }
      this.controller = new AbortController();
      const params = new URLSearchParams({ q: query, k: this.getAttribute("k") || "8" });
      for (const [attr, name] of Object.entries(FILTERS)) if (this.getAttribute(attr)) params.set(name, this.getAttribute(attr));
      const headers = this.getAttribute("api-key") ? { "X-API-Key": this.getAttribute("api-key") } : {};
      this.live.textContent = this.labels.loading;
      try {
        const res = await fetch(`${this.endpoint}/v1/search?${params}`, { headers, signal: this.controller.signal });
        if (!res.ok) throw new Error(String(res.status));
        const body = await res.json();
        if (seq === this.seq) this.render(body.not_found ? body.near_misses : body.results, query, body.not_found);
      } catch (err) {
        if (err.name !== "AbortError" && seq === this.seq) this.render(null, query);
      }
    }

    render(results, query, nearOnly = false) {
      this.results = results || [];
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      const items = this.results.map((r, i) => {
        const meta = [r.locality || r.province, r.doc_number, r.section.join(" › "), r.page && `${this.labels.page} ${r.page}`,
          r.ocr && this.labels.ocr]
          .filter(Boolean).join(" · ");
        const li = el("li", { id: `${this._uid}-o${i}`, role: "option", "aria-selected": "false" }, [
          el("span", { class: "t" }, [r.title || r.doc_id]), el("span", { class: "m" }, [meta]),
          el("span", { class: "s" }, [snippet(r.text, r.highlights, 220)])]);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); this.go(i); });
        return li;
      });
      if (!query) { this.list.replaceChildren(); this.open(false); this.live.textContent = ""; return; }
      const message = results === null ? this.labels.down : nearOnly ? this.labels.near : items.length ? "" : this.labels.none;
      const note = message ? [el("li", { class: "msg", role: "option", "aria-disabled": "true" }, [message])] : [];
      this.list.replaceChildren(...note, ...(results === null ? [] : items));
      this.live.textContent = nearOnly ? this.labels.near : message || this.labels.results(items.length);
      this.open(true);
    }

    open(show) {
      this.list.hidden = !show;
      this.input.setAttribute("aria-expanded", String(show));
    }

    move(delta) {
      if (!this.results.length) return;
      this.open(true);
      const options = this.list.querySelectorAll("[role=option]:not(.msg)");
      if (this.active >= 0) options[this.active].setAttribute("aria-selected", "false");
      this.active = (this.active + delta + this.results.length) % this.results.length;
      const option = options[this.active];
      option.setAttribute("aria-selected", "true");
      option.scrollIntoView({ block: "nearest" });
      this.input.setAttribute("aria-activedescendant", option.id);
    }

    go(i) {
      const r = this.results[i];
      if (!r) return;
      const base = (this.getAttribute("view-base") || this.endpoint).replace(/\/+$/, "");
      const url = new URL(r.url);
      const target = base ? base + url.pathname + url.search + url.hash : r.url;
      this.dispatchEvent(new CustomEvent("vnpolicy-select", { detail: { result: r, url: target }, bubbles: true, composed: true }));
      window.location.assign(target);
    }

    onKey(e) {
      if (e.key === "ArrowDown") { e.preventDefault(); this.move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); this.move(-1); }
      else if (e.key === "Enter") {
        e.preventDefault();
        clearTimeout(this.timer);
        if (this.active >= 0) this.go(this.active);
        else if (this.results.length && this.list.hidden === false) this.go(0);
        else this.search(this.input.value.trim());
      } else if (e.key === "Escape") {
        if (!this.list.hidden) { e.preventDefault(); this.open(false); }
        else { this.input.value = ""; this.render([], ""); }
      }
    }
  }

  customElements.define("vnpolicy-search", VnpolicySearch);
})();
