// Small SVG charts for the dashboard, drawn with createElementNS (no library).
//
// stackedBars: one bar per time bucket, one coloured segment per series, with a
// y axis, a few time labels and a <title> per segment (hover text).
// hbars: horizontal bars with a label and a value, for "top N" lists.
// Colours come from CSS classes (css/app.css: .series-<name>), labels are text nodes —
// same XSS rule as dom.js: data only ever becomes text or a numeric attribute.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (!/^[a-z][a-z0-9-]*$/i.test(k) || k.startsWith("on")) throw new Error(`bad SVG attribute ${k}`);
    el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// The top of the y axis: four equal steps of 1, 2 or 5 times a power of ten.
function niceMax(v) {
  const raw = Math.max(1, v / 4);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  return step * 4;
}

function two(n) {
  return String(n).padStart(2, "0");
}

// series: {name: [values]} all of equal length; order: names bottom to top;
// start: epoch seconds of the first bucket; bucket: seconds per bucket.
export function stackedBars({ series, order, labels, start, bucket, title }) {
  const n = Math.max(0, ...order.map((k) => (series[k] || []).length));
  const width = 760, height = 260, left = 48, right = 8, top = 10, bottom = 34;
  const plotW = width - left - right, plotH = height - top - bottom;
  const totals = Array.from({ length: n }, (_, i) =>
    order.reduce((sum, k) => sum + ((series[k] || [])[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": title || "chart", preserveAspectRatio: "xMidYMid meet",
  });
  svg.appendChild(s("title", {}, title || "chart"));
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    const y = top + plotH - (plotH * t) / 4;
    svg.appendChild(s("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }));
    svg.appendChild(s("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" },
      Number.isInteger(v) ? v : v.toFixed(1)));
  }
  const slot = n ? plotW / n : plotW;
  const barW = Math.max(1, slot * 0.8);
  for (let i = 0; i < n; i++) {
    let y = top + plotH;
    const x = left + i * slot + (slot - barW) / 2;
    const when = new Date((start + i * bucket) * 1000);
    const whenText = bucket >= 86400
      ? when.toLocaleDateString()
      : `${when.toLocaleDateString()} ${two(when.getHours())}:00`;
    for (const k of order) {
      const v = (series[k] || [])[i] || 0;
      if (!v) continue;
      const hgt = (plotH * v) / max;
      y -= hgt;
      svg.appendChild(s("rect", { x, y, width: barW, height: hgt, class: `series-${k}` },
        s("title", {}, `${whenText} — ${labels[k] || k}: ${v}`)));
    }
  }
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += every) {
    const when = new Date((start + i * bucket) * 1000);
    const text = bucket >= 86400 || n > 48
      ? `${two(when.getDate())}.${two(when.getMonth() + 1)}.`
      : `${two(when.getHours())}:00`;
    svg.appendChild(s("text", {
      x: left + i * slot + slot / 2, y: height - bottom + 16, class: "axis", "text-anchor": "middle",
    }, text));
  }
  svg.appendChild(s("line", { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: "baseline" }));
  return svg;
}

export function legend(order, labels) {
  return h("ul", { class: "legend", "aria-label": "Legend" },
    order.map((k) => h("li", null, h("span", { class: `swatch series-${k}`, "aria-hidden": "true" }), labels[k] || k)));
}

// items: [{label, value, detail?}] — rendered as an accessible list of bars.
export function hbars(items, { title, cls = "bar", empty = "No data yet." } = {}) {
  if (!items.length) return h("p", { class: "muted" }, empty);
  const max = Math.max(1, ...items.map((i) => i.value));
  return h("ol", { class: "hbars", "aria-label": title || "bars" },
    items.map((item) => {
      const bar = h("span", { class: `fill ${cls}` });
      bar.style.width = `${Math.max(0.5, (100 * item.value) / max)}%`;
      return h("li", { title: item.detail || "" },
        h("span", { class: "label" }, item.label),
        h("span", { class: "track", "aria-hidden": "true" }, bar),
        h("span", { class: "value" }, String(item.value)));
    }));
}
