// Message log page: search every SMTP transaction by sender, recipient, client IP,
// subject, outcome and time; a row opens the full decision (#/log/<id>): every
// check with its outcome, score and detail, the reason and the total score
// (GET /log, GET /log/{id}). All mail-derived text is shown as text.

import { api } from "../api.js";
import { h, replace, table } from "../dom.js";
import { pageHeader, section, busy } from "../ui.js";
import { fmtTime, fmtScore, fmtBytes, list } from "../format.js";
import { searchForm, searchParams } from "../search-form.js";
import { outcomeChoices } from "../vocabulary.js";

const TEXT_FIELDS = [["sender", "Sender"], ["recipient", "Recipient"], ["client_ip", "Client IP"], ["subject", "Subject"]];
const LIMIT = 50;
const state = {};

export function outcomeBadge(category, outcome) {
  const c = category || outcome || "";
  return h("span", { class: `badge outcome-${String(c).replace(/[^a-z]/g, "")}` }, c);
}

function detailList(pairs) {
  return h("dl", { class: "details" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

async function renderDetail(view, id) {
  const e = await api.get(`/log/${encodeURIComponent(id)}`);
  view.append(pageHeader("Message decision", h("a", { href: "#/log", class: "button" }, "Back to the log")));
  view.append(section("Transaction", detailList([
    ["Time", fmtTime(e.ts)],
    ["Client", `${e.client_ip}${e.client_name ? ` (${e.client_name})` : ""}`],
    ["HELO", e.helo],
    ["TLS", e.tls ? "yes" : "no"],
    ["Sender", e.sender || "<>"],
    ["Recipients", list(e.recipients)],
    ["Refused recipients", list(e.refused_recipients)],
    ["From", e.from_header],
    ["Subject", e.subject],
    ["Message-ID", e.message_id],
    ["Size", e.size ? fmtBytes(e.size) : ""],
    ["Queue id", e.queue_id],
    ["Outcome", outcomeBadge(e.category, e.outcome)],
    ["Reason", e.reason],
    ["Refused by", e.refused_by],
    ["Score", fmtScore(e.score)],
    ["Archive", e.archive_id ? h("a", { href: `#/archive/${Number(e.archive_id)}` }, "Open the archived message") : ""],
  ])));
  const checks = e.checks || [];
  view.append(section("Checks", table([
    { label: "Check", cell: (c) => c.check },
    { label: "Outcome", cell: (c) => String(c.outcome ?? c.result ?? "") },
    { label: "Score", cell: (c) => fmtScore(c.score), class: "num" },
    { label: "Detail", cell: (c) => String(c.detail ?? "") },
  ], checks, { empty: "No checks were recorded.", class: "checks" })));
}

export async function render(view, ctx) {
  if (ctx.params[0]) {
    await renderDetail(view, ctx.params[0]);
    return;
  }
  const outcomes = await outcomeChoices();
  const results = h("div");
  const more = h("button", { type: "button", hidden: true }, "Older entries");
  let rows = [];
  view.append(pageHeader("Message log"),
    searchForm({ label: "Search the message log", state, outcomes, textFields: TEXT_FIELDS, onSearch: () => busy(null, () => load(false)) }),
    section("Results", results, h("div", { class: "actions" }, more)));

  function draw() {
    replace(results, table([
      { label: "Time", cell: (e) => h("a", { href: `#/log/${Number(e.id)}`, "aria-label": `Open message ${e.id}` }, fmtTime(e.ts)) },
      { label: "Client IP", cell: (e) => e.client_ip },
      { label: "Sender", cell: (e) => e.sender || "<>" },
      { label: "Recipients", cell: (e) => list(e.recipients) },
      { label: "Subject", cell: (e) => e.subject || "" },
      { label: "Outcome", cell: (e) => outcomeBadge(e.category, e.outcome) },
      { label: "Reason", cell: (e) => e.reason || "" },
      { label: "Score", cell: (e) => fmtScore(e.score), class: "num" },
    ], rows, {
      empty: "No message matches.",
      class: "clickable",
      onRow: (tr, e) => tr.addEventListener("click", (ev) => {
        if (ev.target.closest("a")) return;
        ctx.navigate(`#/log/${Number(e.id)}`);
      }),
    }));
  }

  async function load(older) {
    const params = { ...searchParams(state, TEXT_FIELDS), limit: LIMIT };
    if (older && rows.length) params.before = rows[rows.length - 1].id;
    const res = await api.get("/log", params);
    rows = older ? rows.concat(res.entries) : res.entries;
    more.hidden = !res.more;
    draw();
  }
  more.addEventListener("click", () => busy(more, () => load(true)));
  await load(false);
}
