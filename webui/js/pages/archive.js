// Archive page: every message whose content Moat received (accepted, tagged,
// rejected after DATA, virus) for the retention period. Search; view a message
// safely — headers and text parts as text in <pre>, never rendered HTML,
// attachments only listed; download the original .eml; Release re-queues a
// refused message to its original recipients (POST /archive/{id}/release, then
// GET /releases/{id} until done).

import { api, apiUrl } from "../api.js";
import { h, replace, table } from "../dom.js";
import { pageHeader, section, showNotice, showError, confirmDialog, busy } from "../ui.js";
import { fmtTime, fmtBytes, list } from "../format.js";
import { searchForm, searchParams } from "../search-form.js";
import { outcomeBadge } from "./message-log.js";
import { outcomeChoices } from "../vocabulary.js";

const TEXT_FIELDS = [["sender", "Sender"], ["recipient", "Recipient"], ["client_ip", "Client IP"], ["subject", "Subject"]];
const LIMIT = 50;
const state = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function pollRelease(requestId, status) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await api.get(`/releases/${encodeURIComponent(requestId)}`);
    if (r.status === "done") {
      replace(status, h("strong", null, "Released."), ` Queued as ${r.queue_id || "?"}.`);
      status.className = "release-status done";
      return r;
    }
    if (r.status === "failed") {
      replace(status, h("strong", null, "Release failed: "), r.detail || "unknown error");
      status.className = "release-status failed";
      return r;
    }
    replace(status, "Release pending…");
    if (Date.now() > deadline) {
      replace(status, "The release is still pending; check the message log later.");
      return r;
    }
    await sleep(500);
  }
}

async function renderDetail(view, id) {
  const e = await api.get(`/archive/${encodeURIComponent(id)}`);
  const status = h("p", { class: "release-status", role: "status", "aria-label": "Release status" });
  // A virus is never released (the API refuses it for everyone); it can only be downloaded.
  const releasable = e.outcome !== "virus";
  const releasedCell = h("span", null, e.released ? `yes${e.last_release ? `, last ${fmtTime(e.last_release)}` : ""}` : "no");
  const release = h("button", { type: "button", class: "primary" }, e.released ? "Release again" : "Release");
  release.addEventListener("click", async () => {
    const to = list(e.recipients);
    if (!(await confirmDialog(`Release this message to ${to}? It is delivered through the normal queue with a header naming you as the releaser.`, "Release"))) return;
    await busy(release, async () => {
      replace(status, "Release requested…");
      const res = await api.post(`/archive/${Number(e.id)}/release`);
      const r = await pollRelease(res.request_id, status);
      if (r.status === "done") {
        showNotice(`Message released, queue id ${r.queue_id}.`);
        replace(releasedCell, `yes, last ${fmtTime(r.finished || Math.floor(Date.now() / 1000))}`);
        release.textContent = "Release again";
      }
      else if (r.status === "failed") showError(`Release failed: ${r.detail || ""}`);
    });
  });

  view.append(pageHeader("Archived message",
    h("a", { href: "#/archive", class: "button" }, "Back to the archive"),
    h("a", { href: apiUrl(`/archive/${Number(e.id)}/eml`), class: "button", download: `${Number(e.id)}.eml` }, "Download .eml"),
    releasable ? release : null));
  view.append(status);
  if (!releasable) {
    view.append(h("div", { class: "banner error", role: "note" },
      "This message contains a virus. It is kept for inspection only and cannot be released. Download it only to analyse it in a safe place."));
  }
  const pairs = [
    ["Received", fmtTime(e.ts)],
    ["Client IP", e.client_ip],
    ["Sender", e.sender || "<>"],
    ["Recipients", list(e.recipients)],
    ["From", e.from_header],
    ["Subject", e.subject],
    ["Message-ID", e.message_id],
    ["Size", fmtBytes(e.size)],
    ["Outcome", outcomeBadge(e.outcome)],
    ["Reason", e.reason],
    ["Released", releasedCell],
    ["Message log", e.log_id ? h("a", { href: `#/log/${Number(e.log_id)}` }, "Open the decision") : ""],
  ];
  view.append(section("Summary", h("dl", { class: "details" },
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", null, k), h("dd", null, v)]))));

  const headers = e.headers || [];
  view.append(section("Headers", h("pre", { class: "headers", "aria-label": "Headers" },
    headers.map(([name, value]) => `${name}: ${value}\n`).join(""))));

  const parts = e.parts || [];
  const textParts = parts.filter((p) => typeof p.text === "string" && !p.filename);
  const attachments = parts.filter((p) => !(typeof p.text === "string" && !p.filename));
  view.append(section("Text", textParts.length
    ? textParts.map((p) => h("div", { class: "part" },
      h("p", { class: "part-type" }, `${p.content_type}${/html/i.test(p.content_type || "") ? " (shown as text)" : ""}`),
      h("pre", { class: "body" }, p.text)))
    : h("p", { class: "muted" }, "No text part.")));
  view.append(section("Attachments", table([
    { label: "File name", cell: (p) => p.filename || "(no name)" },
    { label: "Type", cell: (p) => p.content_type || "" },
    { label: "Size", cell: (p) => fmtBytes(p.size), class: "num" },
  ], attachments, { empty: "No attachments." })));
}

export async function render(view, ctx) {
  if (ctx.params[0]) {
    await renderDetail(view, ctx.params[0]);
    return;
  }
  const outcomes = await outcomeChoices((o) => o.archived);
  const results = h("div");
  const more = h("button", { type: "button", hidden: true }, "Older messages");
  let rows = [];
  view.append(pageHeader("Archive"),
    h("p", { class: "muted" }, "Every message whose content was received is kept for the retention period. Open one to read it safely, download it or release it."),
    searchForm({ label: "Search the archive", state, outcomes, textFields: TEXT_FIELDS, onSearch: () => busy(null, () => load(false)) }),
    section("Results", results, h("div", { class: "actions" }, more)));

  function draw() {
    replace(results, table([
      { label: "Time", cell: (e) => h("a", { href: `#/archive/${Number(e.id)}`, "aria-label": `Open archived message ${e.id}` }, fmtTime(e.ts)) },
      { label: "Sender", cell: (e) => e.sender || "<>" },
      { label: "Recipients", cell: (e) => list(e.recipients) },
      { label: "From", cell: (e) => e.from_header || "" },
      { label: "Subject", cell: (e) => e.subject || "" },
      { label: "Outcome", cell: (e) => outcomeBadge(e.outcome) },
      { label: "Reason", cell: (e) => e.reason || "" },
      { label: "Size", cell: (e) => fmtBytes(e.size), class: "num" },
      { label: "Released", cell: (e) => (e.released ? "yes" : "") },
    ], rows, {
      empty: "No archived message matches.",
      class: "clickable",
      onRow: (tr, e) => tr.addEventListener("click", (ev) => {
        if (ev.target.closest("a")) return;
        ctx.navigate(`#/archive/${Number(e.id)}`);
      }),
    }));
  }

  async function load(older) {
    const params = { ...searchParams(state, TEXT_FIELDS), limit: LIMIT };
    if (older && rows.length) params.before = rows[rows.length - 1].id;
    const res = await api.get("/archive", params);
    rows = older ? rows.concat(res.entries) : res.entries;
    more.hidden = !res.more;
    draw();
  }
  more.addEventListener("click", () => busy(more, () => load(true)));
  await load(false);
}
