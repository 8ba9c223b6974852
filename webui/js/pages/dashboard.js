// Dashboard (administrators): mail per hour by outcome (24 h / 30 days), the top
// refusal reasons, the queue, and the top spamming and top legitimate sending
// MTAs (GET /stats/traffic, /stats/refusals, /stats/mtas, /system).

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { pageHeader, section, busy } from "../ui.js";
import { stackedBars, legend, hbars } from "../charts.js";
import { fmtTime } from "../format.js";
import { outcomeChoices } from "../vocabulary.js";

const state = { range: "24h" };

function sum(a) {
  return (a || []).reduce((x, y) => x + y, 0);
}

function mtaBars(mtas, cls, wantedKey) {
  return hbars(mtas.map((m) => ({
    label: m.name ? `${m.ip} (${m.name})` : m.ip,
    value: m.connections,
    detail: `${m.connections} connections, ${m[wantedKey]} ${wantedKey}, last seen ${fmtTime(m.last_seen)}`,
  })), { title: cls === "bad" ? "Top spammers" : "Top legitimate MTAs", cls, empty: "No sending MTA qualifies yet (at least 50 connections, 95 % one way)." });
}

export async function render(view) {
  const charted = await outcomeChoices((o) => o.charted);
  const ORDER = charted.map(([name]) => name);
  const LABELS = Object.fromEntries(charted);
  const trafficBox = h("div", { class: "chart-box" });
  const totalsBox = h("div", { class: "totals" });
  const refusalsBox = h("div");
  const queueBox = h("div", { class: "stat" });
  const spamBox = h("div");
  const legitBox = h("div");
  const rangeButtons = [["24h", "Last 24 hours"], ["30d", "Last 30 days"]].map(([r, label]) =>
    h("button", { type: "button", "aria-pressed": String(r === state.range), "data-range": r, on: { click: () => switchRange(r) } }, label));

  view.append(pageHeader("Dashboard"),
    h("div", { class: "dash-grid" },
      h("section", { class: "card wide" },
        h("div", { class: "card-head" }, h("h2", null, "Mail per hour by outcome"),
          h("div", { class: "segmented", role: "group", "aria-label": "Time range" }, rangeButtons)),
        trafficBox, legend(ORDER, LABELS), totalsBox),
      section("Top refusal reasons", refusalsBox),
      section("Queue", queueBox),
      section("Top spammers", spamBox),
      section("Top legitimate MTAs", legitBox)));

  async function loadTraffic() {
    const t = await api.get("/stats/traffic", { range: state.range });
    const series = t.series || {};
    const bucket = t.bucket || 3600;
    replace(trafficBox, stackedBars({
      series, order: ORDER, labels: LABELS, start: t.from, bucket,
      title: `Mail per hour by outcome, ${state.range === "24h" ? "last 24 hours" : "last 30 days"}`,
    }));
    replace(totalsBox, h("ul", { class: "total-list", "aria-label": "Totals" },
      ORDER.map((k) => h("li", null, h("span", { class: `swatch series-${k}`, "aria-hidden": "true" }), `${LABELS[k]}: `, h("strong", null, String(sum(series[k])))))));
    const refusals = await api.get("/stats/refusals", { range: state.range });
    replace(refusalsBox, hbars(refusals.map((r) => ({ label: r.check, value: r.count })), { title: "Top refusal reasons", cls: "bad", empty: "Nothing refused in this period." }));
  }

  async function switchRange(r) {
    state.range = r;
    for (const b of rangeButtons) b.setAttribute("aria-pressed", String(b.dataset.range === r));
    await busy(null, loadTraffic);
  }

  async function loadOthers() {
    const [mtas, system] = await Promise.all([api.get("/stats/mtas"), api.get("/system")]);
    replace(spamBox, mtaBars(mtas.spammers || [], "bad", "unwanted"));
    replace(legitBox, mtaBars(mtas.legitimate || [], "good", "wanted"));
    const q = system.queue || {};
    replace(queueBox, h("p", { class: "big" }, String(q.messages ?? 0)),
      h("p", { class: "muted" }, q.messages ? `messages waiting; oldest since ${fmtTime(q.oldest)}` : "messages waiting"));
  }

  await Promise.all([loadTraffic(), loadOthers()]);
}
